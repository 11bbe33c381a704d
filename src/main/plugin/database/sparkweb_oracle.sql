REM SparkWeb schema 1: WebAuthn credentials (passkeys), one row per credential.
REM credentialKey is the SHA-256 (hex) of the raw credential id, which may be 1023
REM bytes long: too long for a key column in every database.

CREATE TABLE ofSparkWebPasskey (
  credentialKey   VARCHAR2(64)    NOT NULL,
  credentialId    VARCHAR2(1400)  NOT NULL,
  username        VARCHAR2(64)    NOT NULL,
  userHandle      VARCHAR2(100)   NOT NULL,
  friendlyName    VARCHAR2(100)   NOT NULL,
  credentialData  VARCHAR2(4000)  NOT NULL,
  signCount       NUMBER(19)       NOT NULL,
  transports      VARCHAR2(200),
  flags           INTEGER       NOT NULL,
  createdAt       NUMBER(19)       NOT NULL,
  lastUsedAt      NUMBER(19),
  CONSTRAINT ofSparkWebPasskey_pk PRIMARY KEY (credentialKey)
);
CREATE INDEX ofSparkWebPasskey_user_idx ON ofSparkWebPasskey (username);

INSERT INTO ofVersion (name, version) VALUES ('sparkweb', 1);
