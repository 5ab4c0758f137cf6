"""The schema is built only by migrations, and they run both ways."""

import os

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from api import create_app
from partnerhub.core.db import Base
from tests.conftest import MIGRATIONS, recreate_postgres_database


def _empty_database_app(tmp_path, monkeypatch):
    """The app on a database of its own with no tables yet, for migrations to build."""
    url = os.environ.get("PARTNERHUB_TEST_DATABASE_URL")
    if url:
        url = url + "_migrations"
        recreate_postgres_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app({"TESTING": True})
    return app


def test_migrations_upgrade_an_empty_database_and_downgrade_again(tmp_path, monkeypatch):
    app = _empty_database_app(tmp_path, monkeypatch)

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


def test_failures_stored_in_the_old_words_are_rewritten_without_addresses(tmp_path, monkeypatch):
    app = _empty_database_app(tmp_path, monkeypatch)
    old = {
        "timeout: HTTPSConnectionPool(host='hooks.example', port=443): Read timed out.": "timed out",
        "connection error: hooks.example resolves to 10.0.0.7: must reach a public address, not a"
        " loopback, private, link-local or reserved one": "address not allowed",
        "connection error: Failed to resolve 'hooks.example' ([Errno -2] Name or service not known)": (
            "could not connect"
        ),
        "request failed: Invalid URL": "request failed",
        "endpoint disabled: deleted": "endpoint disabled: deleted",
    }

    tables = Base.metadata.tables

    with app.app_context():
        from api.extensions import db

        upgrade(directory=str(MIGRATIONS))
        with db.engine.begin() as conn:
            conn.execute(tables["partners"].insert().values(id=1, name="P"))
            conn.execute(
                tables["webhook_endpoints"]
                .insert()
                .values(id=1, partner_id=1, url="https://h.example", secret="s")
            )
            for n, text in enumerate(old, start=1):
                conn.execute(
                    tables["deliveries"]
                    .insert()
                    .values(
                        id=n,
                        endpoint_id=1,
                        partner_id=1,
                        message_id=f"msg_{n}",
                        event_type="flag.raised",
                        payload={},
                        last_error=text,
                    )
                )
                conn.execute(tables["delivery_attempts"].insert().values(delivery_id=n, error=text))
        # Back to before the rewrite, keeping the rows, and up again.
        before = ScriptDirectory(str(MIGRATIONS)).get_revision("0010").down_revision
        downgrade(directory=str(MIGRATIONS), revision=before)
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            shown = conn.execute(sa.select(tables["deliveries"].c.last_error).order_by("id")).scalars().all()
            logged = (
                conn.execute(sa.select(tables["delivery_attempts"].c.error).order_by("id")).scalars().all()
            )
        db.engine.dispose()

    assert shown == logged == list(old.values())


def test_the_search_keys_of_handoffs_written_before_them_are_filled_in_as_new_ones_are_kept(
    tmp_path, monkeypatch
):
    from partnerhub.exchange import search_keys
    from partnerhub.models import HandoffSearchKey
    from tests.builders import Builder

    app = _empty_database_app(tmp_path, monkeypatch)
    with app.app_context():
        from api.extensions import db

        upgrade(directory=str(MIGRATIONS))
        build = Builder(db.session)
        sender, receiver = build.partner("Nordlicht"), build.partner("Montagewerk")
        build.handoff(sender, receiver, name="Greta Wolf", company="Wolf Bau", email="g@wolf.test")
        build.handoff(sender, receiver, name="Acme", company="Acme", phone="+49 30 1234")
        build.handoff(sender, receiver, name="Hans Berg", status="recalled")
        receiver_id, sender_id = receiver.id, sender.id
        kept = set(db.session.execute(sa.select(HandoffSearchKey.__table__)).tuples())
        derived = set(db.session.execute(search_keys.every_key()).tuples())
        db.session.close()
        # Back to before the key table, keeping the handoffs, and up again: the migration fills it.
        downgrade(directory=str(MIGRATIONS), revision="0031")
        upgrade(directory=str(MIGRATIONS))
        filled = set(db.session.execute(sa.select(HandoffSearchKey.__table__)).tuples())
        db.session.close()
        db.engine.dispose()

    assert filled == kept == derived
    assert (receiver_id, "text", "acme", 2) in filled
    assert (receiver_id, "phone", "49301234", 2) in filled
    assert not {key for key in filled if key[0] == receiver_id and key[3] == 3}
    assert {key for key in filled if key[0] == sender_id and key[3] == 3}
