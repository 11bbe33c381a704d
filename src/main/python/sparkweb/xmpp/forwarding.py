"""Forwarded messages and the IQs that ask for them, in the neutral stanza model: Message
Carbons (XEP-0280) and Message Archive Management (XEP-0313, with XEP-0059 paging).

The facade turns these into the server's packets and back; nothing here knows Openfire.
"""
from __future__ import absolute_import

from sparkweb.xmpp.stanza import Stanza

NS_CARBONS = "urn:xmpp:carbons:2"
NS_FORWARD = "urn:xmpp:forward:0"
NS_DELAY = "urn:xmpp:delay"
NS_MAM = "urn:xmpp:mam:2"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_DATA_FORMS = "jabber:x:data"
FULLTEXT_FIELD = "{urn:xmpp:fulltext:0}fulltext"   # the full-text field Openfire's MAM offers


class Carbon(object):
    """A copy of a message of the user's: ``direction`` "sent" (the user sent it from another
    client) or "received" (delivered to another client of the user); ``message`` the Stanza."""

    def __init__(self, direction, message):
        self.direction = direction
        self.message = message


class ArchivedResult(object):
    """One archived message answering the query ``query_id``: its archive ``archive_id`` (the
    XEP-0059 paging key), ``stamp`` (XEP-0082 time it was archived) and ``message``."""

    def __init__(self, query_id, archive_id, stamp, message):
        self.query_id = query_id
        self.archive_id = archive_id
        self.stamp = stamp
        self.message = message


class EnableCarbons(object):
    """The payload of ``<iq type='set'><enable xmlns='urn:xmpp:carbons:2'/></iq>``."""


class ArchiveQuery(object):
    """A MAM query: the data-form filters (None where unused; times in XEP-0082 form) and the
    XEP-0059 page (``before`` "" asks for the last page)."""

    def __init__(self, query_id, with_jid=None, start=None, end=None, text=None, max=None,
                 after=None, before=None):
        self.query_id = query_id
        self.with_jid = with_jid
        self.start = start
        self.end = end
        self.text = text
        self.max = max
        self.after = after
        self.before = before

    def fields(self):
        """The data form's fields, in order, without FORM_TYPE."""
        return [(name, value) for name, value in (
            ("with", self.with_jid), ("start", self.start), ("end", self.end),
            (FULLTEXT_FIELD, self.text)) if value is not None]


class ArchiveFin(object):
    """The end of a MAM query: whether the last page was reached (``complete``) and the
    XEP-0059 set: ``first``/``last`` archive ids of the page, ``count`` of all matches."""

    def __init__(self, complete=False, first=None, last=None, count=None):
        self.complete = complete
        self.first = first
        self.last = last
        self.count = count


def iq(type, id, payload, recipient=None):
    result = Stanza("iq", type=type, id=id, recipient=recipient)
    result.payload = payload
    return result
