"""Web Push (RFC 8030, 8291, 8292): the VAPID key, users' subscriptions, sending, and the
automatic notifications for users with no visible page. See docs/events.md ("Web Push")."""
