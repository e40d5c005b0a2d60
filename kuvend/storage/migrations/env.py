"""Alembic environment: runs against the engine ``kuvend.storage.db.migrate`` passes in."""

from alembic import context
from sqlalchemy import Engine, create_engine

from kuvend.storage.tables import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    # Invoked by the alembic command line (scripts/make-migration), not by migrate().
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
