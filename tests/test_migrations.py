"""The schema is built only by migrations, and they run both ways."""

import os

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from api import create_app
from partnerhub.db import Base
from tests.conftest import MIGRATIONS, recreate_postgres_database


def test_migrations_upgrade_an_empty_database_and_downgrade_again(tmp_path, monkeypatch):
    url = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
    if url:
        url = url + "_migrations"
        recreate_postgres_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app({"TESTING": True})

    with app.app_context():
        from api.extensions import db

        upgrade(directory=str(MIGRATIONS))
        after_upgrade = set(sa.inspect(db.engine).get_table_names())
        downgrade(directory=str(MIGRATIONS), revision="base")
        after_downgrade = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()

    assert set(Base.metadata.tables) <= after_upgrade
    assert after_downgrade <= {"alembic_version"}


def test_the_models_and_the_migrations_agree(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    assert diff == []
