"""Passkeys in Openfire's database (table ofSparkWebPasskey, created from
``database/sparkweb_<type>.sql`` when Openfire loads the plugin), through Openfire's pool.

A duplicate credential id is an integrity violation (SQLState class 23) and answered as "already
stored"; any other database failure (an outage, say) is a 503, never mistaken for one.
"""
from __future__ import absolute_import

from java.lang import Long, String
from java.nio.charset import StandardCharsets
from java.security import MessageDigest
from java.sql import SQLException, SQLIntegrityConstraintViolationException, Types

from sparkweb.errors import ServiceUnavailable
from sparkweb.log import RepeatedFailures, logger
from sparkweb.openfire.facade import PasskeyRecord

LOG = logger("passkeys")

_COLUMNS = ("credentialId, username, userHandle, friendlyName, credentialData, signCount, "
            "transports, flags, createdAt, lastUsedAt")
SELECT_BY_USER = ("SELECT " + _COLUMNS + " FROM ofSparkWebPasskey WHERE username=? "
                  "ORDER BY createdAt")
SELECT_BY_KEY = "SELECT " + _COLUMNS + " FROM ofSparkWebPasskey WHERE credentialKey=?"
INSERT = ("INSERT INTO ofSparkWebPasskey (credentialKey, " + _COLUMNS + ") "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
RECORD_USE = ("UPDATE ofSparkWebPasskey SET signCount=?, flags=?, lastUsedAt=? "
              "WHERE credentialKey=? AND username=? AND signCount=?")
RENAME = "UPDATE ofSparkWebPasskey SET friendlyName=? WHERE credentialKey=? AND username=?"
DELETE = "DELETE FROM ofSparkWebPasskey WHERE credentialKey=? AND username=?"

# flags column: the credential's WebAuthn state bits.
UV_INITIALIZED, BACKUP_ELIGIBLE, BACKUP_STATE = 1, 2, 4


def credential_key(credential_id):
    """The primary key of a credential id: raw ids may be 1023 bytes, too long for an index."""
    digest = MessageDigest.getInstance("SHA-256").digest(
        String(credential_id).getBytes(StandardCharsets.UTF_8))
    return u"".join(u"%02x" % (b & 0xff) for b in digest)


def _flags(record):
    return ((UV_INITIALIZED if record.uv_initialized else 0) |
            (BACKUP_ELIGIBLE if record.backup_eligible else 0) |
            (BACKUP_STATE if record.backup_state else 0))


def _record(rows):
    flags = rows.getInt(8)
    last_used = rows.getLong(10)
    if rows.wasNull():   # asked right after reading that column: it reports on the last one read
        last_used = None
    return PasskeyRecord(
        rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
        rows.getString(5), rows.getLong(6),
        tuple(name for name in (rows.getString(7) or u"").split(u",") if name),
        bool(flags & UV_INITIALIZED), bool(flags & BACKUP_ELIGIBLE), bool(flags & BACKUP_STATE),
        rows.getLong(9), last_used)


def is_integrity_violation(error):
    """A duplicate key and the like: SQLState class 23, whether or not the driver uses the
    dedicated exception type (HSQLDB, PostgreSQL and others differ)."""
    state = error.getSQLState() or u""
    return isinstance(error, SQLIntegrityConstraintViolationException) or state.startswith(u"23")


class PasskeyTable(object):
    """The table through a connection pool: Openfire's DbConnectionManager unless a test
    gives a stand-in with the same ``getConnection()`` and ``closeConnection(...)``."""

    def __init__(self, pool=None):
        if pool is None:
            from org.jivesoftware.database import DbConnectionManager as pool
        self._pool = pool
        # An outage fails every request: logged once with its traceback, then counted.
        self._failures = RepeatedFailures(LOG, "Using the passkey table")

    def by_user(self, username):
        return self._query(SELECT_BY_USER, [username])

    def find(self, credential_id):
        found = self._query(SELECT_BY_KEY, [credential_key(credential_id)])
        return found[0] if found else None

    def add(self, record):
        if self.find(record.credential_id) is not None:
            return False
        values = [credential_key(record.credential_id), record.credential_id, record.username,
                  record.user_handle, record.name, record.credential_data,
                  Long(record.sign_count), u",".join(record.transports), _flags(record),
                  Long(record.created_at), None]
        try:
            added = self._execute_update(INSERT, values) == 1
        except SQLException as error:
            if is_integrity_violation(error):   # the same id stored concurrently
                return False
            raise self._unavailable()
        self._failures.succeeded()
        return added

    def record_use(self, username, credential_id, old_count, new_count, backup_state, used_at):
        record = self.find(credential_id)
        if record is None:
            return False
        record.backup_state = backup_state
        return self._update(RECORD_USE, [Long(new_count), _flags(record), Long(used_at),
                                         credential_key(credential_id), username,
                                         Long(old_count)]) == 1

    def rename(self, username, credential_id, name):
        return self._update(RENAME, [name, credential_key(credential_id), username]) == 1

    def delete(self, username, credential_id):
        return self._update(DELETE, [credential_key(credential_id), username]) == 1

    def _query(self, sql, values):
        try:
            found = self._execute_query(sql, values)
        except SQLException:
            raise self._unavailable()
        self._failures.succeeded()
        return found

    def _update(self, sql, values):
        try:
            changed = self._execute_update(sql, values)
        except SQLException:
            raise self._unavailable()
        self._failures.succeeded()
        return changed

    def _unavailable(self):
        """The 503 for the SQLException being handled (call inside ``except``)."""
        self._failures.failed()
        return ServiceUnavailable("Passkeys are unavailable at the moment; try again later.",
                                  {"Retry-After": "30"})

    def _execute_query(self, sql, values):
        connection = statement = rows = None
        try:
            connection = self._pool.getConnection()
            statement = connection.prepareStatement(sql)
            _bind(statement, values)
            rows = statement.executeQuery()
            found = []
            while rows.next():
                found.append(_record(rows))
            return found
        finally:
            self._pool.closeConnection(rows, statement, connection)

    def _execute_update(self, sql, values):
        connection = statement = None
        try:
            connection = self._pool.getConnection()
            statement = connection.prepareStatement(sql)
            _bind(statement, values)
            return statement.executeUpdate()
        finally:
            self._pool.closeConnection(statement, connection)


def _bind(statement, values):
    for index, value in enumerate(values, start=1):
        if value is None:
            statement.setNull(index, Types.BIGINT)
        elif isinstance(value, Long):
            statement.setLong(index, value.longValue())
        elif isinstance(value, (int, long)):
            statement.setInt(index, value)
        else:
            statement.setString(index, value)
