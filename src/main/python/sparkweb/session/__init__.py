"""One in-process XMPP session per user (``user_session``), shared by all of that user's
REST calls and event streams, kept in the ``registry`` with explicit expiry."""
