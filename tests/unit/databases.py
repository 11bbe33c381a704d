"""Real databases for the tests of SparkWeb's SQL (its tables, its schema scripts, the
statements push_table.py and live_passkeys.py issue), each test on every database:

- HSQLDB 2.7.4 in memory, the database Openfire embeds (with table locks, as Openfire runs it,
  or with row versions, as the other databases behave);
- PostgreSQL, a scratch server conftest.py starts on loopback for the run
  (tests/harness/postgres.py) and names in SPARKWEB_TEST_POSTGRESQL_URL; without one, the
  PostgreSQL tests skip with the reason conftest.py puts in SPARKWEB_TEST_POSTGRESQL_MISSING
  (or fail, when that reason starts with "fail:", as in CI).

Each ``Database`` is fresh and empty but for Openfire's ofVersion table and the script it was
made with: a new in-memory HSQLDB, or a new schema on the PostgreSQL server. It is also the
connection pool, with DbConnectionManager's ``getConnection()`` and ``closeConnection(...)``.
"""
from __future__ import absolute_import

import os
from unittest import SkipTest

from java.lang import System
from java.sql import DriverManager, SQLException
from java.util import UUID
from java.util.concurrent.atomic import AtomicInteger

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "src", "main", "plugin", "database")
CREATE = "create"
_COUNT = AtomicInteger()


def script_path(kind, version=CREATE):
    """SparkWeb's script for a database kind: the create script or ``upgrade/<version>/``."""
    name = "sparkweb_%s.sql" % kind
    if version == CREATE:
        return os.path.join(SCHEMA, name)
    return os.path.join(SCHEMA, "upgrade", str(version), name)


def run_script(connection, path):
    """Executes a schema script the way Openfire's SchemaManager does: comment lines skipped,
    statements ended by ';'."""
    statement, text = connection.createStatement(), []
    try:
        for line in open(path).read().splitlines():
            line = line.strip()
            if not line or line.startswith(("//", "--", "#", "REM", "/*", "*")):
                continue
            text.append(line)
            if line.endswith(";"):
                statement.execute(" ".join(text)[:-1])
                text = []
    finally:
        statement.close()


class Database(object):
    def __init__(self, kind, url, user, password, script):
        self.kind = kind
        self.url = url
        self._user = user
        self._password = password
        connection = self.getConnection()
        try:
            self.execute(connection,
                         "CREATE TABLE ofVersion (name VARCHAR(50) NOT NULL, "
                         "version INTEGER NOT NULL)")
            if script is not None:
                run_script(connection, script_path(kind, script))
        finally:
            connection.close()

    def __repr__(self):
        return "<%s database %s>" % (self.kind, self.url)

    def getConnection(self):
        if self._user is None:     # the URL names the user
            return DriverManager.getConnection(self.url)
        return DriverManager.getConnection(self.url, self._user, self._password)

    def closeConnection(self, *resources):
        """DbConnectionManager's closeConnection(connection) and (rows, statement,
        connection): closes what is given, quietly."""
        for resource in resources:
            if resource is not None:
                try:
                    resource.close()
                except SQLException:
                    pass

    @staticmethod
    def execute(connection, sql):
        statement = connection.createStatement()
        try:
            statement.execute(sql)
        finally:
            statement.close()

    def script(self, version=CREATE):
        """Runs SparkWeb's create script or an upgrade script on this database."""
        connection = self.getConnection()
        try:
            run_script(connection, script_path(self.kind, version))
        finally:
            connection.close()

    def query(self, sql, *values):
        """The rows of a query as tuples of strings (None for SQL NULL)."""
        connection = self.getConnection()
        try:
            statement = connection.prepareStatement(sql)
            for index, value in enumerate(values, start=1):
                statement.setString(index, value)
            rows, found = statement.executeQuery(), []
            columns = rows.getMetaData().getColumnCount()
            while rows.next():
                found.append(tuple(rows.getString(column) for column in range(1, columns + 1)))
            return found
        finally:
            connection.close()

    def schema_version(self):
        found = self.query("SELECT version FROM ofVersion WHERE name='sparkweb'")
        return int(found[0][0]) if found else None


def hsqldb(script=CREATE, mvcc=False):
    """A new in-memory HSQLDB with table locks (Openfire's way), or row versions (``mvcc``)."""
    url = "jdbc:hsqldb:mem:sparkweb%d" % _COUNT.incrementAndGet()
    if mvcc:   # as PostgreSQL, MySQL, Oracle and SQL Server run: readers never wait
        connection = DriverManager.getConnection(url, "sa", "")
        try:
            Database.execute(connection, "SET DATABASE TRANSACTION CONTROL MVCC")
        finally:
            connection.close()
    return Database("hsqldb", url, "sa", "", script)


def postgresql(script=CREATE):
    """A new schema on the run's PostgreSQL server; SkipTest when there is none."""
    server = System.getenv("SPARKWEB_TEST_POSTGRESQL_URL")
    if not server:
        missing = System.getenv("SPARKWEB_TEST_POSTGRESQL_MISSING") or \
            "skip: no PostgreSQL server was started for this run"
        if missing.startswith("fail:"):
            raise AssertionError(missing[len("fail:"):].strip())
        raise SkipTest(missing[len("skip:"):].strip())
    schema = "sparkweb_%d_%s" % (_COUNT.incrementAndGet(),
                                 UUID.randomUUID().toString().replace("-", "")[:12])
    connection = DriverManager.getConnection(server)
    try:
        Database.execute(connection, "CREATE SCHEMA " + schema)
    finally:
        connection.close()
    separator = "&" if "?" in server else "?"
    return Database("postgresql", server + separator + "currentSchema=" + schema, None, None,
                    script)
