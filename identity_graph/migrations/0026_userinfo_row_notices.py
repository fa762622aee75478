"""Row notices for the per-process caches (issue 16, ``sessions/claim_rows.py``).

PostgreSQL only: triggers on ``accounts``, ``natural_persons``, ``enterprises`` (insert,
update, delete) and ``login_sessions`` (update, delete) send a change notice on the event
channel (``core/postgres_bus.py``: ``{"c": "cache", "d": {"topic": ..., "key": ...}}``),
delivered at commit, so every process drops its cached rows whoever wrote them (the app, a
script, psql). A TRUNCATE sends the topic's ``*`` (every key). An update of ``accounts``
that changes only ``last_login_at`` (every login writes it) sends nothing. SQLite: nothing.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

ROW_NOTICE = """
CREATE OR REPLACE FUNCTION idg_row_notice() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_id text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        row_id := OLD.id::text;
    ELSE
        row_id := NEW.id::text;
    END IF;
    PERFORM pg_notify('idg_events', json_build_object(
        'c', 'cache', 'd', json_build_object('topic', TG_ARGV[0], 'key', row_id))::text);
    RETURN NULL;
END
$$
"""

TRUNCATE_NOTICE = """
CREATE OR REPLACE FUNCTION idg_truncate_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('idg_events', json_build_object(
        'c', 'cache', 'd', json_build_object('topic', TG_ARGV[0], 'key', '*'))::text);
    RETURN NULL;
END
$$
"""

# (table, topic, row events); the topics are ``claim_rows.ACCOUNT_ROWS_TOPIC`` and
# ``tokens.SESSION_TOPIC`` (a natural person's and a unit's id is its account's id).
TRIGGERS = (
    ("accounts", "account_rows", "INSERT OR DELETE"),
    ("natural_persons", "account_rows", "INSERT OR UPDATE OR DELETE"),
    ("enterprises", "account_rows", "INSERT OR UPDATE OR DELETE"),
    ("login_sessions", "login_session", "DELETE"),
)


def _forward_sql() -> list[str]:
    sql = [ROW_NOTICE, TRUNCATE_NOTICE]
    for table, topic, events in TRIGGERS:
        sql.append(
            f"CREATE TRIGGER idg_{table}_row_notice AFTER {events} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION idg_row_notice('{topic}')"
        )
        sql.append(
            f"CREATE TRIGGER idg_{table}_truncate_notice AFTER TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION idg_truncate_notice('{topic}')"
        )
    # Updates: only a real change; for accounts, not one of last_login_at alone (logins).
    sql.append(
        "CREATE TRIGGER idg_accounts_update_notice AFTER UPDATE ON accounts FOR EACH ROW"
        " WHEN ((to_jsonb(OLD) - 'last_login_at') IS DISTINCT FROM"
        " (to_jsonb(NEW) - 'last_login_at'))"
        " EXECUTE FUNCTION idg_row_notice('account_rows')"
    )
    sql.append(
        "CREATE TRIGGER idg_login_sessions_update_notice AFTER UPDATE ON login_sessions"
        " FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)"
        " EXECUTE FUNCTION idg_row_notice('login_session')"
    )
    return sql


def _backward_sql() -> list[str]:
    sql = []
    for table, _, _ in TRIGGERS:
        sql.append(f"DROP TRIGGER IF EXISTS idg_{table}_row_notice ON {table}")
        sql.append(f"DROP TRIGGER IF EXISTS idg_{table}_truncate_notice ON {table}")
    sql.append("DROP TRIGGER IF EXISTS idg_accounts_update_notice ON accounts")
    sql.append("DROP TRIGGER IF EXISTS idg_login_sessions_update_notice ON login_sessions")
    sql.append("DROP FUNCTION IF EXISTS idg_row_notice()")
    sql.append("DROP FUNCTION IF EXISTS idg_truncate_notice()")
    return sql


async def _run(schema_editor, statements: list[str]) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.DIALECT != "postgres":
        return  # SQLite: one process, the app's own notices cover it
    for statement in statements:
        await schema_editor._run_sql(statement)


async def forward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    await _run(schema_editor, _forward_sql())


async def backward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    await _run(schema_editor, _backward_sql())


class Migration(migrations.Migration):
    dependencies = [("models", "0025_appeal_locale")]

    initial = False

    operations = [
        ops.RunPython(forward, backward),
    ]
