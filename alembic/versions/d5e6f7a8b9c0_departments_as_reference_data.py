"""departments as reference data: Luleå kommun's förvaltningar and bolag, and the departments already stored (SPEC §13)

Revision ID: d5e6f7a8b9c0
Revises: 9b3e5c1d2a7f
Create Date: 2026-12-04 19:40:00

Seeds the organisation as app/data/departments.toml gave it on the day this revision was written (a frozen copy
below: this migration does the same whenever it runs, whatever that file says later). Every other department slug
already stored on a proposal or a client is added as a retired department named by its slug (kind förvaltning, to
be corrected by an admin where it is a bolag): its proposals and keys keep working and their history stays readable,
but it takes no new proposals until an admin takes it back into use.
"""
import datetime as dt
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)

from alembic import op

# revision identifiers, used by Alembic.
revision: str = 'd5e6f7a8b9c0'
down_revision: Union[str, Sequence[str], None] = '9b3e5c1d2a7f'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# app/data/departments.toml as of 2026-12-04 (its header names the sources): slug, Swedish name, kind
SEED = [
    ("kommunstaben", "Kommunstaben", "förvaltning"),
    ("arbetsmarknadsforvaltningen", "Arbetsmarknadsförvaltningen", "förvaltning"),
    ("raddningstjansten", "Räddningstjänsten", "förvaltning"),
    ("barn-och-utbildningsforvaltningen", "Barn- och utbildningsförvaltningen", "förvaltning"),
    ("kultur-och-fritidsforvaltningen", "Kultur- och fritidsförvaltningen", "förvaltning"),
    ("socialforvaltningen", "Socialförvaltningen", "förvaltning"),
    ("stadsbyggnadsforvaltningen", "Stadsbyggnadsförvaltningen", "förvaltning"),
    ("kommunstyrelsens-forvaltning", "Kommunstyrelsens förvaltning", "förvaltning"),
    ("infrastruktur-och-serviceforvaltningen", "Infrastruktur- och serviceförvaltningen", "förvaltning"),
    ("utbildnings-och-arbetsmarknadsforvaltningen", "Utbildnings- och arbetsmarknadsförvaltningen", "förvaltning"),
    ("lulea-kommunforetag", "Luleå Kommunföretag AB", "bolag"),
    ("lulea-business-region", "Luleå Business Region AB", "bolag"),
    ("lulea-energi", "Luleå Energi AB", "bolag"),
    ("lulebo", "Lulebo AB", "bolag"),
    ("lulea-hamn", "Luleå Hamn AB", "bolag"),
    ("lulea-lokaltrafik", "Luleå Lokaltrafik AB", "bolag"),
    ("lulea-renhallning", "Luleå Renhållning AB", "bolag"),
]


def upgrade() -> None:
    """Upgrade schema."""
    department = op.create_table(
        'department',
        sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('name_sv', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('retired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('slug', name=op.f('pk_department')),
    )
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    rows = [{'slug': slug, 'name_sv': name, 'kind': kind, 'active': True, 'created_at': now, 'updated_at': now,
             'retired_at': None} for slug, name, kind in SEED]
    # the departments stored so far that the seed does not know: kept, retired
    listed = {slug for slug, _, _ in SEED}
    proposal = sa.table('proposal', sa.column('department', sa.String))
    client = sa.table('client', sa.column('department', sa.String))
    stored = set(conn.execute(sa.select(proposal.c.department).distinct()).scalars())
    stored |= set(conn.execute(sa.select(client.c.department).where(client.c.department.is_not(None))
                               .distinct()).scalars())
    rows += [{'slug': slug, 'name_sv': slug, 'kind': 'förvaltning', 'active': False, 'created_at': now,
              'updated_at': now, 'retired_at': now} for slug in sorted(stored - listed) if slug]
    op.bulk_insert(department, rows)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('department')
