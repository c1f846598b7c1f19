"""The audit trail is append-only on every database, with an optional retention.

``audit_retention`` (one row) holds the retention in days. The guard refuses every UPDATE of
``audit_log`` and every DELETE of an entry younger than that retention (all of them while it
is NULL, the default), judged by the database's own clock: live entries stay untouchable,
and ``ticketbot purge`` can still drop expired ones. SQLite uses triggers (as before, with the
DELETE trigger now knowing the retention); PostgreSQL a trigger function, and refuses TRUNCATE.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

REFUSED = "audit_log is append-only: only entries past the retention period can be deleted"

SQLITE_NO_DELETE = f"""
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT COALESCE(
    OLD.at < datetime('now', '-' || (SELECT days FROM audit_retention WHERE id = 1) || ' days'),
    0)
BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END
"""

POSTGRES_GUARD = f"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.at < (now() AT TIME ZONE 'UTC')
                - make_interval(days => (SELECT days FROM audit_retention WHERE id = 1)) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_retention",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_audit_retention_one_row"),
        sa.CheckConstraint("days IS NULL OR days >= 1", name="ck_audit_retention_days"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO audit_retention (id, days) VALUES (1, NULL)")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(SQLITE_NO_DELETE)
    else:
        op.execute(POSTGRES_GUARD)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute(
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_retention")
