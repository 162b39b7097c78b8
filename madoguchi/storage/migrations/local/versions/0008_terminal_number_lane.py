"""terminals: the centre's number lane of each terminal (new 宛名番号/世帯番号); outbox by state

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_lane", sa.SmallInteger(), nullable=True))
    op.create_index("ix_outbox_state_seq", "outbox", ["state", "seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_state_seq", table_name="outbox")
    with op.batch_alter_table("terminals", schema=None) as batch_op:
        batch_op.drop_column("number_lane")
