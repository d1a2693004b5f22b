"""Vägval: sustainability screening of a municipality's international work."""

__version__ = "0.1.0"
