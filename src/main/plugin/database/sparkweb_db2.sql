-- SparkWeb schema 1: WebAuthn credentials (passkeys), one row per credential.
-- credentialKey is the SHA-256 (hex) of the raw credential id, which may be 1023
-- bytes long: too long for a key column in every database.

CREATE TABLE ofSparkWebPasskey (
  credentialKey   VARCHAR(64)    NOT NULL,
  credentialId    VARCHAR(1400)  NOT NULL,
  username        VARCHAR(64)    NOT NULL,
  userHandle      VARCHAR(100)   NOT NULL,
  friendlyName    VARCHAR(100)   NOT NULL,
  credentialData  VARCHAR(4000)  NOT NULL,
  signCount       BIGINT       NOT NULL,
  transports      VARCHAR(200),
  flags           INTEGER       NOT NULL,
  createdAt       BIGINT       NOT NULL,
  lastUsedAt      BIGINT,
  CONSTRAINT ofSparkWebPasskey_pk PRIMARY KEY (credentialKey)
);
CREATE INDEX ofSparkWebPasskey_user_idx ON ofSparkWebPasskey (username);

INSERT INTO ofVersion (name, version) VALUES ('sparkweb', 1);
