"""SparkWeb's schema scripts (src/main/plugin/database) on real databases (databases.py: HSQLDB and
PostgreSQL), run the way Openfire's SchemaManager runs them: a new installation gets schema 3
from the create script, and an installation of schema 1 (the passkey table alone) upgraded
through upgrade/2 and upgrade/3 ends with the very same tables, columns and unique keys."""
from __future__ import absolute_import

import databases

TABLES = ("ofSparkWebPasskey", "ofSparkWebPushSub")


def _stored_name(database, name):
    """How the database stores an unquoted identifier (PostgreSQL folds to lower case)."""
    return name.lower() if database.kind == "postgresql" else name.upper()


def _shape(database):
    """{table: (columns as (name, type, size, nullable), unique keys as column sets)}."""
    connection = database.getConnection()
    try:
        metadata, schema, shape = connection.getMetaData(), connection.getSchema(), {}
        for table in TABLES:
            stored = _stored_name(database, table)
            columns, rows = [], metadata.getColumns(None, schema, stored, None)
            while rows.next():
                columns.append((rows.getString("COLUMN_NAME").lower(),
                                rows.getString("TYPE_NAME").lower(), rows.getInt("COLUMN_SIZE"),
                                rows.getString("IS_NULLABLE")))
            rows.close()
            keys, rows = {}, metadata.getIndexInfo(None, schema, stored, True, False)
            while rows.next():
                if rows.getString("COLUMN_NAME") is not None:
                    keys.setdefault(rows.getString("INDEX_NAME"), set()).add(
                        rows.getString("COLUMN_NAME").lower())
            rows.close()
            shape[table] = (sorted(columns), sorted(sorted(key) for key in keys.values()))
        return shape
    finally:
        connection.close()


def _a_new_installation_gets_schema_3(database):
    assert database.schema_version() == 3, "the create script left version %r" % (
        database.schema_version(),)
    shape = _shape(database)
    for table in TABLES:
        assert shape[table][0], "the create script made no table %s" % table
    assert shape["ofSparkWebPushSub"][1] == [["deviceName".lower(), "username"],
                                             ["endpointkey"], ["slot", "username"]], \
        "the push table's unique keys: %r" % (shape["ofSparkWebPushSub"][1],)


def _schema_1_upgraded_to_3_equals_a_new_installation(fresh, upgraded):
    connection = upgraded.getConnection()
    try:    # schema 1: the passkey table alone, as the create script makes it
        upgraded.execute(connection, "DROP TABLE ofSparkWebPushSub")
        upgraded.execute(connection, "UPDATE ofVersion SET version = 1 WHERE name = 'sparkweb'")
    finally:
        connection.close()
    upgraded.script(2)
    assert upgraded.schema_version() == 2, "upgrade/2 left version %r" % (
        upgraded.schema_version(),)
    upgraded.script(3)
    assert upgraded.schema_version() == 3, "upgrade/3 left version %r" % (
        upgraded.schema_version(),)
    assert _shape(upgraded) == _shape(fresh), \
        "upgraded from schema 1: %r\nnew installation: %r" % (_shape(upgraded), _shape(fresh))


def test_a_new_installation_gets_schema_3_on_hsqldb():
    _a_new_installation_gets_schema_3(databases.hsqldb())


def test_a_new_installation_gets_schema_3_on_postgresql():
    _a_new_installation_gets_schema_3(databases.postgresql())


def test_schema_1_upgraded_to_3_equals_a_new_installation_on_hsqldb():
    _schema_1_upgraded_to_3_equals_a_new_installation(databases.hsqldb(), databases.hsqldb())


def test_schema_1_upgraded_to_3_equals_a_new_installation_on_postgresql():
    _schema_1_upgraded_to_3_equals_a_new_installation(databases.postgresql(),
                                                       databases.postgresql())
