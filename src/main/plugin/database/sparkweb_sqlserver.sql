/* SparkWeb schema 2. WebAuthn credentials (passkeys), one row per credential. */
/* credentialKey is the SHA-256 (hex) of the raw credential id, which may be 1023 */
/* bytes long: too long for a key column in every database. */

CREATE TABLE ofSparkWebPasskey (
  credentialKey   NVARCHAR(64)    NOT NULL,
  credentialId    NVARCHAR(1400)  NOT NULL,
  username        NVARCHAR(64)    NOT NULL,
  userHandle      NVARCHAR(100)   NOT NULL,
  friendlyName    NVARCHAR(100)   NOT NULL,
  credentialData  NVARCHAR(4000)  NOT NULL,
  signCount       BIGINT       NOT NULL,
  transports      NVARCHAR(200),
  flags           INT       NOT NULL,
  createdAt       BIGINT       NOT NULL,
  lastUsedAt      BIGINT,
  CONSTRAINT ofSparkWebPasskey_pk PRIMARY KEY (credentialKey)
);
CREATE INDEX ofSparkWebPasskey_user_idx ON ofSparkWebPasskey (username);

/* Web Push subscriptions, one row per browser or device of a user (issue 13). */
/* endpointKey is the SHA-256 (hex) of the endpoint URL: an endpoint identifies one */
/* browser and may be 1000 characters long, too long for a key column everywhere. */
/* slot numbers a user's entries 0 .. limit-1: unique per user like deviceName, so two */
/* subscriptions saved at once past the per-user limit collide here (push_table.py). */

CREATE TABLE ofSparkWebPushSub (
  endpointKey     NVARCHAR(64)    NOT NULL,
  username        NVARCHAR(64)    NOT NULL,
  deviceName      NVARCHAR(100)   NOT NULL,
  endpoint        NVARCHAR(1000)  NOT NULL,
  p256dh          NVARCHAR(100)   NOT NULL,
  authSecret      NVARCHAR(50)    NOT NULL,
  expirationTime  BIGINT,
  createdAt       BIGINT       NOT NULL,
  slot            INTEGER        NOT NULL,
  CONSTRAINT ofSparkWebPushSub_pk PRIMARY KEY (endpointKey),
  CONSTRAINT ofSparkWebPushSub_device UNIQUE (username, deviceName),
  CONSTRAINT ofSparkWebPushSub_slot UNIQUE (username, slot)
);

INSERT INTO ofVersion (name, version) VALUES ('sparkweb', 3);
