from alembic import context

from watchbot.store.models import Base
from watchbot.store.search import compared

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                      include_name=compared)
    with context.begin_transaction():
        context.run_migrations()
