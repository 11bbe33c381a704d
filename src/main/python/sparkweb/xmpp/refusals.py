"""A MUC service's refusal (an XMPP stanza error) as the JSON error a REST caller gets.

The ``error`` field names the XMPP condition (``registration-required``, ``conflict``, ...), so
a page can tell a taken nickname from a members-only room; the status follows issue 11:
not-authorized 401 (a room password is missing or wrong: unlike our other 401s, the token is
fine, so there is no WWW-Authenticate header), forbidden and registration-required 403,
item-not-found 404, conflict 409, service-unavailable 503. The message is ours, never the
server's text.
"""
from __future__ import absolute_import

from sparkweb.errors import ApiError

_STATUS_AND_TEXT = {
    "not-authorized": (401, "The room needs a password, and the one given is missing or wrong."),
    "forbidden": (403, "The room does not allow this (banned, or not permitted)."),
    "registration-required": (403, "The room is members-only and you are not a member."),
    "not-allowed": (403, "You may not create rooms on this service."),
    "not-acceptable": (403, "The room does not accept this from you (nickname rules, or you "
                            "are not in the room)."),
    "item-not-found": (404, "No such room (or it is not configured yet)."),
    "conflict": (409, "That nickname is already taken in the room."),
    "service-unavailable": (503, "The room is full or the service is unavailable."),
    "jid-malformed": (400, "The room address or nickname is not valid."),
    "bad-request": (400, "The room refused the request as malformed."),
}


class XmppRefusal(ApiError):
    def __init__(self, condition):
        condition = condition or "undefined-condition"
        status, text = _STATUS_AND_TEXT.get(condition, (403, "The room refused the request."))
        ApiError.__init__(self, text)
        self.status = status
        self.code = condition


class NoAnswer(ApiError):
    """The room did not answer in time (an overloaded or remote service)."""
    status = 503
    code = "remote-server-timeout"
