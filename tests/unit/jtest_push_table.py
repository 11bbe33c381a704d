"""The Web Push subscription table (openfire/push_table.py) on real databases (databases.py): HSQLDB
2.7.4, the one Openfire embeds, with table locks as Openfire runs it and with row versions, and
PostgreSQL; the table made by SparkWeb's own schema scripts as Openfire runs them.

The concurrency tests hold every saving thread at its first write until the other thread got
there too (a barrier with a timeout, never a sleep): both have then read the user's entries, the
moment a count-then-insert lets two subscriptions past the limit. Two table objects on one
database stand for two cluster nodes, which share no lock but the database's. Every thread is
joined with a timeout, so a hang fails the test instead of holding the run."""
from __future__ import absolute_import

import threading

from java.lang import Throwable
from java.util.concurrent import BrokenBarrierException, CyclicBarrier, TimeUnit
from java.util.concurrent import TimeoutException

import databases
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.openfire.push_table import PushSubscriptionTable

JOIN_SECONDS = 60
P256DH = u"B" + u"A" * 86      # the table stores keys as given; push_table does not check them
AUTH = u"A" * 22


def rows(database, username):
    """(deviceName, endpoint) of the user's entries, sorted."""
    return sorted(database.query(
        "SELECT deviceName, endpoint FROM ofSparkWebPushSub WHERE username=?", username))


class _GatedConnection(object):
    def __init__(self, connection, gate):
        self._connection = connection
        self._gate = gate

    def prepareStatement(self, sql):
        if sql.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self._gate.write_starts()
        return self._connection.prepareStatement(sql)

    def __getattr__(self, name):
        return getattr(self._connection, name)


class Gate(object):
    """A pool whose connections hold each thread's first write until ``parties`` threads got
    to theirs (or 5 s passed: a table that serialises its writers never lets them meet)."""

    def __init__(self, database, parties=2):
        self._database = database
        self._barrier = CyclicBarrier(parties)
        self._passed = threading.local()

    def write_starts(self):
        if getattr(self._passed, "done", False):
            return
        self._passed.done = True
        try:
            self._barrier.await(5, TimeUnit.SECONDS)
        except (TimeoutException, BrokenBarrierException):
            pass

    def getConnection(self):
        return _GatedConnection(self._database.getConnection(), self)

    def closeConnection(self, *resources):
        self._database.closeConnection(*resources)


def record(device, endpoint, username=u"alice"):
    return PushSubscriptionRecord(username, device, endpoint, P256DH, AUTH, None, 1800000000000)


def at_once(calls):
    """Runs each call on its own thread; their outcomes (value or exception), in order."""
    outcomes = [None] * len(calls)

    def runner(index):
        try:
            outcomes[index] = ("ok", calls[index]())
        except (Exception, Throwable) as error:
            outcomes[index] = ("raised", error)
    threads = [threading.Thread(target=runner, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.daemon = True
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), "a save hung for %d s" % JOIN_SECONDS
    return outcomes


def _entries_are_stored_replaced_and_deleted(database):
    table = PushSubscriptionTable(database)
    assert table.save(record(u"laptop", u"https://push.example/1"), 2), "first entry refused"
    assert table.save(record(u"phone", u"https://push.example/2"), 2), "second entry refused"
    assert not table.save(record(u"tablet", u"https://push.example/3"), 2), \
        "a third entry passed a limit of 2"
    assert table.save(record(u"laptop", u"https://push.example/4"), 2), \
        "a new endpoint for a known device must replace its entry, limit or not"
    assert table.save(record(u"desk", u"https://push.example/2"), 2), \
        "a known endpoint under a new device name must replace its entry"
    assert rows(database, u"alice") == [(u"desk", u"https://push.example/2"),
                                       (u"laptop", u"https://push.example/4")], \
        rows(database, u"alice")
    assert table.save(record(u"bob-phone", u"https://push.example/4", u"bob"), 2), \
        "the same browser subscribing for another user must replace the old user's entry"
    assert rows(database, u"alice") == [(u"desk", u"https://push.example/2")], \
        rows(database, u"alice")
    assert [r.device for r in table.by_user(u"bob")] == [u"bob-phone"], table.by_user(u"bob")
    assert table.delete(u"alice", device=u"desk"), "deleting a stored device said none"
    assert not table.delete(u"alice", device=u"desk"), "deleting it twice said it was there"
    assert rows(database, u"alice") == [], rows(database, u"alice")


def _two_nodes_subscribing_two_devices_at_once_stay_within_the_limit(database):
    gate = Gate(database)
    node_a, node_b = PushSubscriptionTable(gate), PushSubscriptionTable(gate)
    outcomes = at_once([lambda: node_a.save(record(u"laptop", u"https://push.example/a"), 1),
                        lambda: node_b.save(record(u"phone", u"https://push.example/b"), 1)])
    assert sorted(outcomes) == [("ok", False), ("ok", True)], \
        "with a limit of 1, one save must succeed and one be refused: %r" % (outcomes,)
    assert len(rows(database, u"alice")) == 1, \
        "two subscriptions passed a limit of 1: %r" % rows(database, u"alice")


def _one_node_many_devices_at_once_stay_within_the_limit(database):
    table = PushSubscriptionTable(Gate(database, parties=8))
    outcomes = at_once([(lambda n=n: table.save(record(u"device%d" % n,
                                                       u"https://push.example/%d" % n), 3))
                        for n in range(8)])
    assert sorted(outcomes) == [("ok", False)] * 5 + [("ok", True)] * 3, \
        "8 devices at once with a limit of 3: 3 stored, 5 refused, none failed: %r" % (outcomes,)
    assert len(rows(database, u"alice")) == 3, rows(database, u"alice")


def _the_same_browser_subscribing_twice_at_once_keeps_one_entry(database):
    gate = Gate(database)
    node_a, node_b = PushSubscriptionTable(gate), PushSubscriptionTable(gate)
    outcomes = at_once([lambda: node_a.save(record(u"laptop", u"https://push.example/same"), 5),
                        lambda: node_b.save(record(u"laptop-2", u"https://push.example/same"),
                                            5)])
    assert outcomes == [("ok", True), ("ok", True)], \
        "the same endpoint twice at once: both saves replace, neither fails: %r" % (outcomes,)
    assert len(rows(database, u"alice")) == 1, \
        "one endpoint must be one entry: %r" % rows(database, u"alice")


def _one_device_resubscribing_twice_at_once_keeps_one_entry(database):
    gate = Gate(database)
    node_a, node_b = PushSubscriptionTable(gate), PushSubscriptionTable(gate)
    outcomes = at_once([lambda: node_a.save(record(u"laptop", u"https://push.example/old"), 5),
                        lambda: node_b.save(record(u"laptop", u"https://push.example/new"), 5)])
    assert outcomes == [("ok", True), ("ok", True)], \
        "one device subscribing twice at once: both saves replace: %r" % (outcomes,)
    assert len(rows(database, u"alice")) == 1, \
        "one device name must be one entry: %r" % rows(database, u"alice")


def test_two_nodes_subscribing_two_devices_at_once_stay_within_the_limit_with_table_locks():
    _two_nodes_subscribing_two_devices_at_once_stay_within_the_limit(databases.hsqldb())


def test_two_nodes_subscribing_two_devices_at_once_stay_within_the_limit_with_row_versions():
    _two_nodes_subscribing_two_devices_at_once_stay_within_the_limit(databases.hsqldb(mvcc=True))


def test_two_nodes_subscribing_two_devices_at_once_stay_within_the_limit_on_postgresql():
    _two_nodes_subscribing_two_devices_at_once_stay_within_the_limit(databases.postgresql())


def test_one_node_many_devices_at_once_stay_within_the_limit_with_table_locks():
    _one_node_many_devices_at_once_stay_within_the_limit(databases.hsqldb())


def test_one_node_many_devices_at_once_stay_within_the_limit_with_row_versions():
    _one_node_many_devices_at_once_stay_within_the_limit(databases.hsqldb(mvcc=True))


def test_one_node_many_devices_at_once_stay_within_the_limit_on_postgresql():
    _one_node_many_devices_at_once_stay_within_the_limit(databases.postgresql())


def test_the_same_browser_subscribing_twice_at_once_keeps_one_entry_with_table_locks():
    _the_same_browser_subscribing_twice_at_once_keeps_one_entry(databases.hsqldb())


def test_the_same_browser_subscribing_twice_at_once_keeps_one_entry_with_row_versions():
    _the_same_browser_subscribing_twice_at_once_keeps_one_entry(databases.hsqldb(mvcc=True))


def test_the_same_browser_subscribing_twice_at_once_keeps_one_entry_on_postgresql():
    _the_same_browser_subscribing_twice_at_once_keeps_one_entry(databases.postgresql())


def test_one_device_resubscribing_twice_at_once_keeps_one_entry_with_table_locks():
    _one_device_resubscribing_twice_at_once_keeps_one_entry(databases.hsqldb())


def test_one_device_resubscribing_twice_at_once_keeps_one_entry_with_row_versions():
    _one_device_resubscribing_twice_at_once_keeps_one_entry(databases.hsqldb(mvcc=True))


def test_one_device_resubscribing_twice_at_once_keeps_one_entry_on_postgresql():
    _one_device_resubscribing_twice_at_once_keeps_one_entry(databases.postgresql())


def _a_schema_2_installation_is_upgraded_to_the_slot_constraints(database):
    database.script(2)
    connection = database.getConnection()
    try:
        database.execute(connection, "INSERT INTO ofVersion (name, version) VALUES ('sparkweb', 2)")
    finally:
        connection.close()
    database.script(3)
    assert database.schema_version() == 3, "ofVersion not set to 3: %r" % (
        database.schema_version(),)
    table = PushSubscriptionTable(database)
    assert table.save(record(u"laptop", u"https://push.example/1"), 1), "upgraded table refused"
    assert not table.save(record(u"phone", u"https://push.example/2"), 1), "limit not kept"


def _another_users_endpoint_moves_only_with_the_same_keys(database):
    """findings-13 13-3: knowing alice's endpoint was enough to end her subscription."""
    table = PushSubscriptionTable(database)
    assert table.save(record(u"laptop", u"https://push.example/a"), 5), "alice's entry refused"
    other_keys = PushSubscriptionRecord(u"bob", u"pc", u"https://push.example/a",
                                        u"B" + u"C" * 86, u"C" * 22, None, 1800000000000)
    assert table.save(other_keys, 5) is None, "bob took the endpoint with other keys"
    assert rows(database, u"alice") == [(u"laptop", u"https://push.example/a")], \
        rows(database, u"alice")
    assert table.save(record(u"pc", u"https://push.example/a", u"bob"), 5), \
        "the same browser (same keys) could not move to bob"
    assert rows(database, u"alice") == [], rows(database, u"alice")


def test_entries_are_stored_replaced_and_deleted_on_hsqldb():
    _entries_are_stored_replaced_and_deleted(databases.hsqldb())


def test_entries_are_stored_replaced_and_deleted_on_postgresql():
    _entries_are_stored_replaced_and_deleted(databases.postgresql())


def test_a_schema_2_installation_is_upgraded_to_the_slot_constraints_on_hsqldb():
    _a_schema_2_installation_is_upgraded_to_the_slot_constraints(databases.hsqldb(script=None))


def test_a_schema_2_installation_is_upgraded_to_the_slot_constraints_on_postgresql():
    _a_schema_2_installation_is_upgraded_to_the_slot_constraints(
        databases.postgresql(script=None))


def test_another_users_endpoint_moves_only_with_the_same_keys_on_hsqldb():
    _another_users_endpoint_moves_only_with_the_same_keys(databases.hsqldb())


def test_another_users_endpoint_moves_only_with_the_same_keys_on_postgresql():
    _another_users_endpoint_moves_only_with_the_same_keys(databases.postgresql())
