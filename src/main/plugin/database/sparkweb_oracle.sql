REM SparkWeb schema 3. WebAuthn credentials (passkeys), one row per credential.
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

REM Web Push subscriptions, one row per browser or device of a user (issue 13).
REM endpointKey is the SHA-256 (hex) of the endpoint URL: an endpoint identifies one
REM browser and may be 1000 characters long, too long for a key column everywhere.
REM slot numbers a user's entries 0 .. limit-1: unique per user like deviceName, so two
REM subscriptions saved at once past the per-user limit collide here (push_table.py).

CREATE TABLE ofSparkWebPushSub (
  endpointKey     VARCHAR2(64)    NOT NULL,
  username        VARCHAR2(64)    NOT NULL,
  deviceName      VARCHAR2(100)   NOT NULL,
  endpoint        VARCHAR2(1000)  NOT NULL,
  p256dh          VARCHAR2(100)   NOT NULL,
  authSecret      VARCHAR2(50)    NOT NULL,
  expirationTime  NUMBER(19),
  createdAt       NUMBER(19)       NOT NULL,
  slot            INTEGER        NOT NULL,
  CONSTRAINT ofSparkWebPushSub_pk PRIMARY KEY (endpointKey),
  CONSTRAINT ofSparkWebPushSub_device UNIQUE (username, deviceName),
  CONSTRAINT ofSparkWebPushSub_slot UNIQUE (username, slot)
);

INSERT INTO ofVersion (name, version) VALUES ('sparkweb', 3);
