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
PRESENCE_TYPES = ("unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed",
                  "probe", "error")

NS_CHAT_STATES = "http://jabber.org/protocol/chatstates"
NS_JSON = "urn:xmpp:json:0"                                            # XEP-0335
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_CONFERENCE = "jabber:x:conference"                                 # XEP-0249

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
    """One message, presence or IQ. ``xml`` is the raw stanza as received, where known."""

    def __init__(self, kind, type=None, sender=None, recipient=None, id=None, body=None,
                 subject=None, thread=None, show=None, status=None, priority=None,
                 chat_state=None, data=None, invite=None, xml=None, roster=None, error=None):
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
