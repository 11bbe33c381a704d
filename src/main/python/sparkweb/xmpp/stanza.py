"""A neutral stanza model: what SparkWeb reads from and writes to XMPP, independent of
Openfire's packet classes. The facade converts these to and from the server's packets."""
from __future__ import absolute_import

CHAT_STATES = ("active", "composing", "paused", "inactive", "gone")   # XEP-0085
SHOW_VALUES = ("chat", "away", "xa", "dnd")                            # RFC 6121 4.7.2.1
MESSAGE_TYPES = ("chat", "normal", "headline", "groupchat", "error")
PRESENCE_TYPES = ("unavailable", "subscribe", "subscribed", "unsubscribe", "unsubscribed",
                  "probe", "error")

NS_CHAT_STATES = "http://jabber.org/protocol/chatstates"
NS_JSON = "urn:xmpp:json:0"                                            # XEP-0335
NS_MUC_USER = "http://jabber.org/protocol/muc#user"
NS_CONFERENCE = "jabber:x:conference"                                 # XEP-0249


class Stanza(object):
    """One message or presence. ``xml`` is the raw stanza as received, where known."""

    def __init__(self, kind, type=None, sender=None, recipient=None, id=None, body=None,
                 subject=None, thread=None, show=None, status=None, priority=None,
                 chat_state=None, data=None, invite=None, xml=None):
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

    def get_xml(self):
        if callable(self.xml):
            self.xml = self.xml()
        return self.xml

    def __repr__(self):
        return "<Stanza %s type=%s from=%s to=%s>" % (self.kind, self.type, self.sender,
                                                      self.recipient)


def message(recipient, body=None, type="chat", chat_state=None, data=None, id=None):
    return Stanza("message", type=type, recipient=recipient, body=body, chat_state=chat_state,
                  data=data, id=id)


def presence(type=None, show=None, status=None, recipient=None, priority=None):
    return Stanza("presence", type=type, show=show, status=status, recipient=recipient,
                  priority=priority)
