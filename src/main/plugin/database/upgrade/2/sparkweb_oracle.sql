REM SparkWeb schema 1 to 2: adds the Web Push subscriptions table.
REM Web Push subscriptions, one row per browser or device of a user (issue 13).
REM endpointKey is the SHA-256 (hex) of the endpoint URL: an endpoint identifies one
REM browser and may be 1000 characters long, too long for a key column everywhere.

CREATE TABLE ofSparkWebPushSub (
  endpointKey     VARCHAR2(64)    NOT NULL,
  username        VARCHAR2(64)    NOT NULL,
  deviceName      VARCHAR2(100)   NOT NULL,
  endpoint        VARCHAR2(1000)  NOT NULL,
  p256dh          VARCHAR2(100)   NOT NULL,
  authSecret      VARCHAR2(50)    NOT NULL,
  expirationTime  NUMBER(19),
  createdAt       NUMBER(19)       NOT NULL,
  CONSTRAINT ofSparkWebPushSub_pk PRIMARY KEY (endpointKey)
);
CREATE INDEX ofSparkWebPushSub_user_idx ON ofSparkWebPushSub (username);

UPDATE ofVersion SET version = 2 WHERE name = 'sparkweb';
