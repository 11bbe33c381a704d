REM SparkWeb schema 2 to 3: the Web Push table gets its per-user slot and unique
REM constraints. Schema 2 existed only in development builds; its subscriptions are
REM dropped, and pages using sparkweb-push.js subscribe again on their next visit.

DROP TABLE ofSparkWebPushSub;

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

UPDATE ofVersion SET version = 3 WHERE name = 'sparkweb';
