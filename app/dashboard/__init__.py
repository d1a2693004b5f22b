"""The built-in dashboard (SPEC §8): the page and its static files, and the server-rendered, accessible SVG charts."""
