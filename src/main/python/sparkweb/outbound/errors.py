"""What an outbound request can fail with. Neither is an ApiError: the caller (an API area, the
push sender) decides what its own client is told."""
from __future__ import absolute_import


class Refused(Exception):
    """The request was not made: the URL or an address it leads to is not allowed.
    ``reason`` is a short code (``scheme``, ``userinfo``, ``spelling``, ``address``,
    ``unknown_host``, ``redirects``, ``malformed``); ``message`` says it for people."""

    def __init__(self, reason, message):
        Exception.__init__(self, message)
        self.reason = reason
        self.message = message


class Failed(Exception):
    """The request was made and went wrong: no connection, a timeout, a malformed or too
    large answer. ``reason`` is ``connect``, ``timeout``, ``too_large``, ``protocol`` or
    ``io`` (``stopped``: the plugin is stopping)."""

    def __init__(self, reason, message):
        Exception.__init__(self, message)
        self.reason = reason
        self.message = message
