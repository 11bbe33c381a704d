"""The passkey table on a real database (openfire/live_passkeys.py), against stand-ins for
JDBC that behave as drivers do: ``wasNull()`` reports on the column read last, a duplicate key
is an integrity violation (SQLState class 23), anything else may be an outage."""
from __future__ import absolute_import

from java.lang import Throwable
from java.sql import SQLException, SQLIntegrityConstraintViolationException

from sparkweb.openfire.facade import PasskeyRecord
from sparkweb.openfire.live_passkeys import PasskeyTable

# credentialId, username, userHandle, friendlyName, credentialData, signCount, transports,
# flags, createdAt, lastUsedAt: the columns live_passkeys selects, in order.
NEVER_USED = (u"id-1", u"alice", u"handle", u"Laptop", u"AAAA", 0, u"usb,nfc", 6,
              1800000000000, None)
USED = (u"id-2", u"alice", u"handle", u"Phone", u"AAAA", 3, u"", 1, 1800000000000,
        1800000005000)


class Rows(object):
    """A java.sql.ResultSet over tuples: getLong/getInt give 0 for SQL NULL, and only
    wasNull() tells, about the column read last."""

    def __init__(self, rows):
        self._rows = list(rows)
        self._index = -1
        self._last = None

    def next(self):
        self._index += 1
        return self._index < len(self._rows)

    def _read(self, column):
        self._last = self._rows[self._index][column - 1]
        return self._last

    def getString(self, column):
        return self._read(column)

    def getLong(self, column):
        value = self._read(column)
        return 0 if value is None else value

    getInt = getLong

    def wasNull(self):
        return self._last is None


class Statement(object):
    def __init__(self, rows, failure):
        self._rows = rows
        self._failure = failure
        self.values = {}

    def _set(self, index, value):
        self.values[index] = value

    setString = setLong = setInt = _set

    def setNull(self, index, sql_type):
        self.values[index] = None

    def executeQuery(self):
        if self._failure is not None:
            raise self._failure
        return Rows(self._rows)

    def executeUpdate(self):
        if self._failure is not None:
            raise self._failure
        return 1


class Pool(object):
    """DbConnectionManager's two methods; ``failure`` is raised by the statement (or, with
    ``on_connect``, by getConnection itself)."""

    def __init__(self, rows=(), failure=None, on_connect=False):
        self._rows = rows
        self._failure = failure
        self._on_connect = on_connect
        self.closed = 0

    def getConnection(self):
        if self._on_connect:
            raise self._failure
        return self

    def prepareStatement(self, sql):
        return Statement(self._rows, None if self._on_connect else self._failure)

    def closeConnection(self, *resources):
        self.closed += 1


def _status(call):
    """The HTTP status the error of ``call()`` maps to (None when it maps to none: a 500)."""
    try:
        call()
    except (Exception, Throwable) as error:
        return getattr(error, "status", None)
    raise AssertionError("no error was raised")


def _record():
    return PasskeyRecord(u"new-id", u"alice", u"handle", u"Key", u"AAAA", 0, created_at=1)


def test_a_passkey_never_used_reads_as_never_used():
    never, used = PasskeyTable(Pool([NEVER_USED, USED])).by_user(u"alice")
    assert never.last_used_at is None, "never used, but lastUsedAt is %r" % never.last_used_at
    assert used.last_used_at == 1800000005000, used.last_used_at
    assert never.created_at == 1800000000000 and never.transports == (u"usb", u"nfc"), \
        (never.created_at, never.transports)
    assert (never.uv_initialized, never.backup_eligible, never.backup_state) == (
        False, True, True), "flags 6 read wrongly"


def test_a_duplicate_id_on_insert_is_refused_as_already_stored():
    for violation in (SQLIntegrityConstraintViolationException("duplicate key", "23505"),
                      SQLException("unique constraint violated", "23000")):
        table = PasskeyTable(Pool(failure=violation))
        table.find = lambda credential_id: None     # as if the other insert came in between
        assert table.add(_record()) is False, "%s not taken as a duplicate" % violation


def test_a_database_outage_is_503_not_a_duplicate():
    outage = SQLException("Connection refused", "08001")
    table = PasskeyTable(Pool(failure=outage))
    table.find = lambda credential_id: None
    assert _status(lambda: table.add(_record())) == 503, "an outage on insert is not a 503"
    assert _status(lambda: table.by_user(u"alice")) == 503, "an outage on a query is not a 503"
    refused = PasskeyTable(Pool(failure=SQLException("no connection"), on_connect=True))
    assert _status(lambda: refused.find(u"id-1")) == 503, "no connection is not a 503"
    assert _status(lambda: refused.rename(u"alice", u"id-1", u"x")) == 503


def test_connections_are_closed_on_failure_too():
    pool = Pool(failure=SQLException("Connection reset", "08S01"))
    _status(lambda: PasskeyTable(pool).by_user(u"alice"))
    assert pool.closed == 1, "closed %d times" % pool.closed
