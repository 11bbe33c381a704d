/* SparkWeb schema 1 to 2: adds the Web Push subscriptions table. */
/* Web Push subscriptions, one row per browser or device of a user (issue 13). */
/* endpointKey is the SHA-256 (hex) of the endpoint URL: an endpoint identifies one */
/* browser and may be 1000 characters long, too long for a key column everywhere. */

CREATE TABLE ofSparkWebPushSub (
  endpointKey     NVARCHAR(64)    NOT NULL,
  username        NVARCHAR(64)    NOT NULL,
  deviceName      NVARCHAR(100)   NOT NULL,
  endpoint        NVARCHAR(1000)  NOT NULL,
  p256dh          NVARCHAR(100)   NOT NULL,
  authSecret      NVARCHAR(50)    NOT NULL,
  expirationTime  BIGINT,
  createdAt       BIGINT       NOT NULL,
  CONSTRAINT ofSparkWebPushSub_pk PRIMARY KEY (endpointKey)
);
CREATE INDEX ofSparkWebPushSub_user_idx ON ofSparkWebPushSub (username);

UPDATE ofVersion SET version = 2 WHERE name = 'sparkweb';
