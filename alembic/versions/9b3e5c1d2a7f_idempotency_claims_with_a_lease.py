"""idempotency claims with a lease: who holds an in-progress claim and since when (SPEC §10)

Revision ID: 9b3e5c1d2a7f
Revises: 4051c4b3b4d9
Create Date: 2026-12-04 02:10:00

A claim left by a request that died (the server killed, the database gone) is taken over by a retry once its lease
has run out; claims made before this revision have neither column and count from their created_at.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)

from alembic import op

# revision identifiers, used by Alembic.
revision: str = '9b3e5c1d2a7f'
down_revision: Union[str, Sequence[str], None] = '4051c4b3b4d9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claim')
