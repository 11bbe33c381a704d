"""The passkey table (openfire/live_passkeys.py) on real databases (databases.py: HSQLDB, the one
Openfire embeds, and PostgreSQL), in the table SparkWeb's create script makes: every statement
the code issues, NULL and empty columns read back, and a duplicate credential id refused by the
database's own integrity violation (PostgreSQL's SQLState 23505 through its real driver)."""
from __future__ import absolute_import

import databases
from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.openfire.live_passkeys import PasskeyTable

LONG_ID = u"L" * 1023          # raw ids may be that long: the key is its SHA-256


def _passkey(credential_id, username=u"alice", created_at=1800000000000, transports=()):
    return PasskeyRecord(credential_id, username, u"handle-" + username, u"Key " + credential_id[:8],
                         u"AAAA" * 200, 0, transports=transports, uv_initialized=True,
                         backup_eligible=True, created_at=created_at)


def _every_statement_round_trips(database):
    table = PasskeyTable(database)
    assert table.add(_passkey(u"second", created_at=1800000000002, transports=(u"usb", u"nfc"))), \
        "storing a passkey failed"
    assert table.add(_passkey(LONG_ID, created_at=1800000000001)), "a 1023-character id failed"
    assert table.add(_passkey(u"bobs", username=u"bob")), "bob's passkey failed"
    found = table.by_user(u"alice")
    assert [record.credential_id for record in found] == [LONG_ID, u"second"], \
        "by_user must list the user's passkeys oldest first: %r" % (
            [record.credential_id[:8] for record in found],)
    first = found[0]
    assert first.last_used_at is None and first.transports == (), \
        "a never used passkey without transports: %r %r" % (first.last_used_at, first.transports)
    assert (first.uv_initialized, first.backup_eligible, first.backup_state) == (
        True, True, False), "the flags column did not round-trip"
    assert found[1].transports == (u"usb", u"nfc"), found[1].transports
    assert table.record_use(u"alice", u"second", 0, 5, True, 1800000009000), \
        "recording a use with the stored count failed"
    assert not table.record_use(u"alice", u"second", 0, 6, True, 1800000009500), \
        "a use recorded against a stale count (a cloned key) was accepted"
    used = table.find(u"second")
    assert (used.sign_count, used.last_used_at, used.backup_state) == (
        5, 1800000009000, True), "the recorded use did not round-trip"
    assert not table.rename(u"bob", u"second", u"Mine"), "bob renamed alice's passkey"
    assert table.rename(u"alice", u"second", u"Phone"), "alice could not rename hers"
    assert table.find(u"second").name == u"Phone", table.find(u"second").name
    assert not table.delete(u"bob", u"second"), "bob deleted alice's passkey"
    assert table.delete(u"alice", u"second"), "alice could not delete hers"
    assert table.find(u"second") is None and [r.credential_id for r in table.by_user(u"bob")] == \
        [u"bobs"], "delete removed the wrong rows"


def _a_duplicate_id_stored_concurrently_is_refused_by_the_database(database):
    table = PasskeyTable(database)
    assert table.add(_passkey(u"same")), "the first passkey failed"
    table.find = lambda credential_id: None     # as if the other insert came in between
    assert table.add(_passkey(u"same", username=u"bob")) is False, \
        "the database's duplicate-key error was not taken as 'already stored'"
    assert [r.username for r in PasskeyTable(database).by_user(u"bob")] == [], \
        "the duplicate was stored for bob"


def test_every_statement_round_trips_on_hsqldb():
    _every_statement_round_trips(databases.hsqldb())


def test_every_statement_round_trips_on_postgresql():
    _every_statement_round_trips(databases.postgresql())


def test_a_duplicate_id_stored_concurrently_is_refused_by_the_database_on_hsqldb():
    _a_duplicate_id_stored_concurrently_is_refused_by_the_database(databases.hsqldb())


def test_a_duplicate_id_stored_concurrently_is_refused_by_the_database_on_postgresql():
    _a_duplicate_id_stored_concurrently_is_refused_by_the_database(databases.postgresql())
