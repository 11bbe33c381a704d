"""Web Push subscriptions in Openfire's database (table ofSparkWebPushSub of
``database/sparkweb_<type>.sql``, schema 3), through a connection pool with DbConnectionManager's
``getConnection``/``closeConnection`` (live_webpush passes Openfire's; unit tests a real HSQLDB,
the database Openfire embeds).

An endpoint is one browser, so it is the key (as its SHA-256: endpoints are long): a browser
subscribing again, for whichever user, replaces its entry; a device name is one entry of its
user. The per-user limit holds under concurrency, on one node or several, by the database's
unique constraints rather than by a count: each entry takes one of the user's numbered slots
``0 .. limit-1`` (unique per user, like the device name), so two subscriptions saved at once
that both saw room for one more collide on the same slot. The loser's transaction is rolled
back and it tries again, reading what the winner committed, and then finds the user full (409)
or another free slot. Database failures are a 503.
"""
from __future__ import absolute_import

from java.lang import Integer, Long, Throwable
from java.sql import SQLException, SQLIntegrityConstraintViolationException, Types

from sparkweb.errors import ServiceUnavailable
from sparkweb.log import RepeatedFailures, logger
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.openfire.live_passkeys import credential_key as sha256_hex

LOG = logger("webpush")

_COLUMNS = "username, deviceName, endpoint, p256dh, authSecret, expirationTime, createdAt"
SELECT_BY_USER = ("SELECT " + _COLUMNS + ", slot FROM ofSparkWebPushSub WHERE username=? "
                  "ORDER BY createdAt")
INSERT = ("INSERT INTO ofSparkWebPushSub (endpointKey, " + _COLUMNS + ", slot) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
SELECT_BY_ENDPOINT = ("SELECT " + _COLUMNS + ", slot FROM ofSparkWebPushSub "
                      "WHERE endpointKey=?")
DELETE_ENDPOINT = "DELETE FROM ofSparkWebPushSub WHERE endpointKey=?"
DELETE_USER_ENDPOINT = "DELETE FROM ofSparkWebPushSub WHERE endpointKey=? AND username=?"
DELETE_DEVICE = "DELETE FROM ofSparkWebPushSub WHERE username=? AND deviceName=?"
DELETE_ALL = "DELETE FROM ofSparkWebPushSub"
# Each failed attempt means another save of the same user committed in between (or the database
# broke a deadlock), so a save retries at most once per other save running at the same time.
MAX_ATTEMPTS = 25
# SQLState classes worth another attempt: 23 integrity (the slot, device or endpoint another
# save took first), 40 transaction rollback (deadlock, serialisation failure).
RETRY_STATES = ("23", "40")


class _Collided(Exception):
    """The attempt's transaction lost a race to another save and was rolled back."""


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
        rows = self._run(lambda connection: _query(connection, SELECT_BY_USER, [username]))
        return [found for found, _ in rows]

    def save(self, record, limit):
        """Replaces the entries with the record's endpoint or its user's device name by the
        record, in one transaction; False, and nothing changed, when the user's other entries
        already fill ``limit``; None when the endpoint is another user's with other keys."""
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._run(lambda connection: _transaction(
                    connection, lambda: _replace(connection, record, limit)))
            except _Collided:
                continue
        self._failures.failed()
        raise ServiceUnavailable("Too many subscriptions are being saved for you at once; try "
                                 "again.", {"Retry-After": "1"})

    def delete(self, username, device=None, endpoint=None):
        if device is not None:
            sql, values = DELETE_DEVICE, [username, device]
        else:
            sql, values = DELETE_USER_ENDPOINT, [sha256_hex(endpoint), username]
        return self._run(lambda connection: _update(connection, sql, values)) > 0

    def delete_all(self):
        return self._run(lambda connection: _update(connection, DELETE_ALL, []))

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


def same_browser(stored, record):
    """Whether ``record`` comes from the browser subscription ``stored`` was made from: the
    same endpoint with the same keys. Only then may it move to another account (a browser
    subscribing for whoever signs in next sends its keys again); the endpoint alone is no proof,
    it is shown to its owner and seen by extensions."""
    return stored.endpoint == record.endpoint and stored.p256dh == record.p256dh and \
        stored.auth == record.auth


def _replace(connection, record, limit):
    existing = _query(connection, SELECT_BY_USER, [record.username])
    taken = set(slot for old, slot in existing
                if old.endpoint != record.endpoint and old.device != record.device)
    free = [slot for slot in range(limit) if slot not in taken]
    if len(taken) >= limit or not free:
        return False
    endpoint_key = sha256_hex(record.endpoint)
    for old, _ in _query(connection, SELECT_BY_ENDPOINT, [endpoint_key]):
        if old.username != record.username and not same_browser(old, record):
            return None
    _update(connection, DELETE_ENDPOINT, [endpoint_key])
    _update(connection, DELETE_DEVICE, [record.username, record.device])
    _update(connection, INSERT, [
        endpoint_key, record.username, record.device, record.endpoint, record.p256dh,
        record.auth, Long(record.expiration_time) if record.expiration_time is not None else None,
        Long(record.created_at), Integer(free[0])])
    return True


def _transaction(connection, work):
    """``work()`` in one transaction; _Collided when it lost a race and should be tried again."""
    connection.setAutoCommit(False)
    try:
        result = work()
        connection.commit()
        return result
    except SQLException as error:
        connection.rollback()
        state = error.getSQLState() or ""
        if isinstance(error, SQLIntegrityConstraintViolationException) or \
                state[:2] in RETRY_STATES:
            raise _Collided()
        raise
    except (Exception, Throwable):
        connection.rollback()
        raise
    finally:
        connection.setAutoCommit(True)


def _query(connection, sql, values):
    """(record, slot) pairs."""
    statement = rows = None
    try:
        statement = connection.prepareStatement(sql)
        _bind(statement, values)
        rows = statement.executeQuery()
        found = []
        while rows.next():
            found.append((_record(rows), rows.getInt(8)))
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
        elif isinstance(value, Integer):
            statement.setInt(index, value.intValue())
        else:
            statement.setString(index, value)


def _close(*resources):
    for resource in resources:
        if resource is not None:
            try:
                resource.close()
            except SQLException:
                pass
