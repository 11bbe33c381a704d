"""A neutral stanza model: what SparkWeb reads from and writes to XMPP, independent of
Openfire's packet classes. The facade converts these to and from the server's packets.

Stanzas built from a caller's input (:func:`message`, :func:`presence`) accept only text that
XML 1.0 allows: a control character such as U+0001 would reach the recipient's client as
``&#1;``, which its XML parser refuses, and it drops its connection.
"""
from __future__ import absolute_import

from java.lang import String
from java.util.regex import Pattern

from sparkweb.errors import BadRequest

CHAT_STATES = ("active", "composing", "paused", "inactive", "gone")   # XEP-0085
SHOW_VALUES = ("chat", "away", "xa", "dnd")                            # RFC 6121 4.7.2.1
MESSAGE_TYPES = ("chat", "normal", "headline", "groupchat", "error")
IQ_ERROR = "error"     # the type of an IQ error answer, and the name of its <error/> child
PRESENCE_TYPES = ("unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed",
                  "probe", "error")

NS_CHAT_STATES = "http://jabber.org/protocol/chatstates"
NS_JSON = "urn:xmpp:json:0"                                            # XEP-0335
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_CONFERENCE = "jabber:x:conference"                                 # XEP-0249
NS_MUC = "http://jabber.org/protocol/muc"                              # XEP-0045
NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner"
NS_DELAY = "urn:xmpp:delay"                                            # XEP-0203

# XML 1.0 section 2.2 "Char", negated. Java's regex reads a surrogate pair as one code point, so
# only unpaired surrogates fall outside the ranges.
_NOT_XML_CHAR = Pattern.compile(
    u"[^\\t\\n\\r\\x{20}-\\x{D7FF}\\x{E000}-\\x{FFFD}\\x{10000}-\\x{10FFFF}]")


def xml_text(field, value):
    """``value`` unchanged if XML 1.0 can carry it (None passes); 400 naming ``field`` and the
    first character it cannot. Every field of input that becomes XML goes through here: body,
    status and data today; subjects, nicknames, room names, reasons and vCard fields with the
    API areas that take them."""
    if value is None:
        return value
    text = String(value)
    found = _NOT_XML_CHAR.matcher(text)
    if found.find():
        raise BadRequest("'%s' contains a character XML does not allow (U+%04X)."
                         % (field, text.codePointAt(found.start())))
    return value


class Stanza(object):
    """One message, presence or IQ. ``xml`` is the raw stanza as received, where known.

    Forwarded messages (XEP-0297) and IQ payloads live in :mod:`sparkweb.xmpp.forwarding`:
    ``carbon`` is a :class:`~sparkweb.xmpp.forwarding.Carbon`, ``archived`` an
    :class:`~sparkweb.xmpp.forwarding.ArchivedResult`, ``payload`` what an IQ carries (a
    request SparkWeb sends, or a MAM ``fin``), ``error`` the condition of an error stanza."""

    def __init__(self, kind, type=None, sender=None, recipient=None, id=None, body=None,
                 subject=None, thread=None, show=None, status=None, priority=None,
                 chat_state=None, data=None, invite=None, xml=None, roster=None, error=None,
                 muc=None, delay=None):
        self.kind = kind
        self.type = type
        self.sender = sender
        self.recipient = recipient
        self.id = id
        self.body = body
        self.subject = subject
        self.thread = thread
        self.show = show
        self.status = status
        self.priority = priority
        self.chat_state = chat_state
        self.data = data          # JSON text carried in <json xmlns='urn:xmpp:json:0'/>
        self.invite = invite      # {"room", "from", "reason", "password"} of a MUC invitation
        self.xml = xml            # the XML text, or a function that makes it (serialise lazily)
        self.roster = roster      # IQ jabber:iq:roster: [xmpp.roster.Item], else None
        self.error = error        # the defined condition of a type="error" stanza, e.g. u"item-not-found"
        self.carbon = None        # XEP-0280 copy of a message sent or received elsewhere
        self.archived = None      # XEP-0313 result of an archive query
        self.payload = None       # an IQ's payload
        # XEP-0045. Sent: {"join": {"password": ..., "history": max stanzas or absent}} (a
        # join presence), {"invite": {"to", "reason"}} (a mediated invitation),
        # {"owner_submit": True} (an IQ accepting the default configuration). Received: the
        # muc#user element read as {"codes": [int], "item": {"nick", "jid", "role",
        # "affiliation", "actor", "reason"}, "destroy": {"jid", "reason"}}.
        self.muc = muc
        self.delay = delay        # {"stamp", "from"} of a XEP-0203 delay (history, offline)

    def from_sender(self, sender):
        """A shallow copy sent by ``sender``. Not copy.copy: in Jython its id() bookkeeping
        takes one JVM-wide lock, which REST sends queued on (JFR, issue 16: 15 s of monitor
        waits in a 2-minute benchmark, all from UserSession.sent)."""
        copied = Stanza.__new__(Stanza)
        copied.__dict__.update(self.__dict__)
        copied.sender = sender
        return copied

    def get_xml(self):
        if callable(self.xml):
            self.xml = self.xml()
        return self.xml

    def __repr__(self):
        return "<Stanza %s type=%s from=%s to=%s>" % (self.kind, self.type, self.sender,
                                                      self.recipient)


def message(recipient, body=None, type="chat", chat_state=None, data=None, id=None):
    return Stanza("message", type=type, recipient=recipient, body=xml_text("body", body),
                  chat_state=chat_state, data=xml_text("data", data), id=id)


def presence(type=None, show=None, status=None, recipient=None, priority=None):
    return Stanza("presence", type=type, show=show, status=xml_text("status", status),
                  recipient=recipient, priority=priority)


# --- XEP-0045: what the session sends to rooms ---------------------------------------------
def room_join(occupant_jid, password=None, history=None):
    """The presence that enters a room as ``room@service/nick`` (XEP-0045 7.2); ``history``:
    at most that many messages of the room's history (7.2.15), None: the room's default."""
    join = {"password": xml_text("password", password)}
    if history is not None:
        join["history"] = int(history)
    return Stanza("presence", recipient=occupant_jid, muc={"join": join})


def room_leave(occupant_jid):
    return Stanza("presence", type="unavailable", recipient=occupant_jid)


def room_message(room_jid, body=None, data=None, id=None):
    return Stanza("message", type="groupchat", recipient=room_jid, body=xml_text("body", body),
                  data=xml_text("data", data), id=id)


def room_invite(room_jid, invitee, reason=None, id=None):
    """A mediated invitation (XEP-0045 7.8.2): sent to the room, which forwards it."""
    return Stanza("message", recipient=room_jid, id=id, muc={"invite": {
        "to": invitee, "reason": xml_text("reason", reason)}})


def room_accept_default_configuration(room_jid, id):
    """The owner's empty form that turns a new, locked room into an instant room (10.1.2)."""
    return Stanza("iq", type="set", recipient=room_jid, id=id, muc={"owner_submit": True})
