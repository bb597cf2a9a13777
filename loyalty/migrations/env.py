"""Alembic environment: the engine or connection is handed in by loyalty.db.migrate."""

from __future__ import annotations

from alembic import context

from loyalty.db.tables import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=conn,
        target_metadata=metadata,
        render_as_batch=conn.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with config.attributes["engine"].begin() as conn:
        _run(conn)
