"""Web Push subscriptions in Openfire's database (table ofSparkWebPushSub, schema 2 of
``database/sparkweb_<type>.sql``, added to older installations by ``database/upgrade/2``), through
a connection pool with DbConnectionManager's ``getConnection``/``closeConnection`` (live_webpush
passes Openfire's; unit tests a real HSQLDB, the database Openfire embeds).

An endpoint is one browser, so it is the key (as its SHA-256: endpoints are long): a browser
subscribing again, for whichever user, replaces its entry. Database failures are a 503.
"""
from __future__ import absolute_import

from java.lang import Long, Throwable
from java.sql import SQLException, Types

from sparkweb.errors import ServiceUnavailable
from sparkweb.log import RepeatedFailures, logger
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.openfire.live_passkeys import credential_key as sha256_hex

LOG = logger("webpush")

_COLUMNS = "username, deviceName, endpoint, p256dh, authSecret, expirationTime, createdAt"
SELECT_BY_USER = ("SELECT " + _COLUMNS + " FROM ofSparkWebPushSub WHERE username=? "
                  "ORDER BY createdAt")
INSERT = ("INSERT INTO ofSparkWebPushSub (endpointKey, " + _COLUMNS + ") "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
DELETE_ENDPOINT = "DELETE FROM ofSparkWebPushSub WHERE endpointKey=?"
DELETE_USER_ENDPOINT = "DELETE FROM ofSparkWebPushSub WHERE endpointKey=? AND username=?"
DELETE_DEVICE = "DELETE FROM ofSparkWebPushSub WHERE username=? AND deviceName=?"


def _record(rows):
    expiration = rows.getLong(6)
    if rows.wasNull():   # right after reading that column: it reports on the last one read
        expiration = None
    return PushSubscriptionRecord(rows.getString(1), rows.getString(2), rows.getString(3),
                                  rows.getString(4), rows.getString(5), expiration,
                                  rows.getLong(7))


class PushSubscriptionTable(object):
    def __init__(self, pool):
        self._pool = pool
        self._failures = RepeatedFailures(LOG, "Using the Web Push subscription table")

    def by_user(self, username):
        return self._run(lambda connection: _query(connection, SELECT_BY_USER, [username]))

    def save(self, record, limit):
        """Deletes what the new entry replaces and inserts it in one transaction."""
        existing = self.by_user(record.username)
        kept = [old for old in existing
                if old.endpoint != record.endpoint and old.device != record.device]
        if len(kept) >= limit:
            return False
        values = [sha256_hex(record.endpoint), record.username, record.device, record.endpoint,
                  record.p256dh, record.auth,
                  Long(record.expiration_time) if record.expiration_time is not None else None,
                  Long(record.created_at)]

        def replace(connection):
            connection.setAutoCommit(False)
            try:
                _update(connection, DELETE_ENDPOINT, [values[0]])
                _update(connection, DELETE_DEVICE, [record.username, record.device])
                _update(connection, INSERT, values)
                connection.commit()
            except (Exception, Throwable):
                connection.rollback()
                raise
            finally:
                connection.setAutoCommit(True)
        self._run(replace)
        return True

    def delete(self, username, device=None, endpoint=None):
        if device is not None:
            sql, values = DELETE_DEVICE, [username, device]
        else:
            sql, values = DELETE_USER_ENDPOINT, [sha256_hex(endpoint), username]
        return self._run(lambda connection: _update(connection, sql, values)) > 0

    def _run(self, work):
        connection = None
        try:
            connection = self._pool.getConnection()
            result = work(connection)
        except SQLException:
            self._failures.failed()
            raise ServiceUnavailable("Push subscriptions are unavailable at the moment; try "
                                     "again later.", {"Retry-After": "30"})
        finally:
            if connection is not None:
                self._pool.closeConnection(connection)
        self._failures.succeeded()
        return result


def _query(connection, sql, values):
    statement = rows = None
    try:
        statement = connection.prepareStatement(sql)
        _bind(statement, values)
        rows = statement.executeQuery()
        found = []
        while rows.next():
            found.append(_record(rows))
        return found
    finally:
        _close(rows, statement)


def _update(connection, sql, values):
    statement = None
    try:
        statement = connection.prepareStatement(sql)
        _bind(statement, values)
        return statement.executeUpdate()
    finally:
        _close(statement)


def _bind(statement, values):
    for index, value in enumerate(values, start=1):
        if value is None:
            statement.setNull(index, Types.BIGINT)
        elif isinstance(value, Long):
            statement.setLong(index, value.longValue())
        else:
            statement.setString(index, value)


def _close(*resources):
    for resource in resources:
        if resource is not None:
            try:
                resource.close()
            except SQLException:
                pass
