// SparkWeb schema 2 to 3: the Web Push table gets its per-user slot and unique
// constraints. Schema 2 existed only in development builds; its subscriptions are
// dropped, and pages using sparkweb-push.js subscribe again on their next visit.

DROP TABLE ofSparkWebPushSub;

// slot numbers a user's entries 0 .. limit-1: unique per user like deviceName, so two
// subscriptions saved at once past the per-user limit collide here (push_table.py).

CREATE TABLE ofSparkWebPushSub (
  endpointKey     VARCHAR(64)    NOT NULL,
  username        VARCHAR(64)    NOT NULL,
  deviceName      VARCHAR(100)   NOT NULL,
  endpoint        VARCHAR(1000)  NOT NULL,
  p256dh          VARCHAR(100)   NOT NULL,
  authSecret      VARCHAR(50)    NOT NULL,
  expirationTime  BIGINT,
  createdAt       BIGINT       NOT NULL,
  slot            INTEGER        NOT NULL,
  CONSTRAINT ofSparkWebPushSub_pk PRIMARY KEY (endpointKey),
  CONSTRAINT ofSparkWebPushSub_device UNIQUE (username, deviceName),
  CONSTRAINT ofSparkWebPushSub_slot UNIQUE (username, slot)
);

UPDATE ofVersion SET version = 3 WHERE name = 'sparkweb';
