"""folded search text of proposals: the list's text filter matches without regard to case or accents

Revision ID: 7024642f08ea
Revises: 1f7ceae56f6a
Create Date: 2026-11-29 05:11:22.280772

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)

from app.services.search import search_text


# revision identifiers, used by Alembic.
revision: str = '7024642f08ea'
down_revision: Union[str, Sequence[str], None] = '1f7ceae56f6a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    # the proposals stored so far: fold their titles and references
    proposal = sa.table('proposal', sa.column('id', sa.String), sa.column('title', sa.String),
                        sa.column('external_ref', sa.String), sa.column('search_text', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(proposal.c.id, proposal.c.title, proposal.c.external_ref)).all()
    update = proposal.update().where(proposal.c.id == sa.bindparam('row_id')).values(
        search_text=sa.bindparam('folded'))
    for start in range(0, len(rows), 1000):
        conn.execute(update, [{'row_id': r.id, 'folded': search_text(r.title, r.external_ref)}
                              for r in rows[start:start + 1000]])


def downgrade() -> None:
    """Downgrade schema."""
    # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): copying the table instead would break the screenings' foreign key
    with op.batch_alter_table('proposal', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('search_text')
