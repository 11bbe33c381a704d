"""A small in-memory XMPP router for the in-memory Openfire: enough of RFC 6121 for the dev
host and unit tests (messages to bare and full JIDs, presence broadcast to contacts with
subscription, initial presence probes, offline messages, unavailable on close)."""
from __future__ import absolute_import

import copy
import itertools
from xml.sax.saxutils import escape, quoteattr

from java.lang import IllegalArgumentException
from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList
from java.util.concurrent.locks import ReentrantLock

from sparkweb.errors import BadRequest
from sparkweb.xmpp import jid
from sparkweb.xmpp import stanza as model

_ids = itertools.count(1)


class MemorySession(object):
    def __init__(self, router, username, resource, listener):
        self._router = router
        self.username = username
        self.jid = u"%s@%s/%s" % (username, router.domain, resource)
        self.listener = listener
        self.presence = None      # last available presence broadcast, None before/after
        self.closed = False

    def send(self, stanza):
        _openfire_jid(stanza.recipient)
        if self.closed:      # a closed connection carries nothing more
            return
        stanza = copy.copy(stanza)
        stanza.sender = self.jid
        self._router.route(self, stanza)

    def close(self):
        self._router.close(self, notify=False)


class MemoryXmppRouter(object):
    def __init__(self, domain, contacts_of):
        self.domain = domain
        self._contacts_of = contacts_of        # username -> usernames with mutual subscription
        self._sessions = ConcurrentHashMap()   # username -> CopyOnWriteArrayList of sessions
        self._offline = ConcurrentHashMap()    # username -> CopyOnWriteArrayList of stanzas
        self.offline_listeners = CopyOnWriteArrayList()   # told of each stored message
        self._lock = ReentrantLock()

    def open(self, username, resource, listener):
        session = MemorySession(self, username, resource, listener)
        self._sessions.putIfAbsent(username, CopyOnWriteArrayList())
        self._sessions.get(username).add(session)
        return session

    def sessions_of(self, username):
        return list(self._sessions.get(username) or [])

    def close(self, session, notify=True):
        if session.closed:
            return
        session.closed = True
        if session.presence is not None:
            self._broadcast(session, model.presence(type="unavailable"))
        self._sessions.get(session.username).remove(session)
        if notify:
            session.listener.on_closed()

    def route(self, session, stanza):
        if stanza.kind == "presence" and stanza.recipient is None:
            self._presence_update(session, stanza)
        elif stanza.recipient:
            self._deliver(stanza)

    def _presence_update(self, session, stanza):
        initial = session.presence is None and stanza.type is None
        session.presence = None if stanza.type == "unavailable" else stanza
        self._broadcast(session, stanza)
        if initial:
            self._probe_contacts(session)
            self._flush_offline(session)

    def _broadcast(self, session, stanza):
        for contact in list(self._contacts_of(session.username)) + [session.username]:
            for other in self.sessions_of(contact):
                if other is not session:
                    self._hand(other, stanza, u"%s@%s" % (contact, self.domain))

    def _probe_contacts(self, session):
        for contact in self._contacts_of(session.username):
            for other in self.sessions_of(contact):
                if other.presence is not None:
                    self._hand(session, other.presence, session.jid)

    def _deliver(self, stanza):
        node, _, rest = stanza.recipient.partition(u"@")
        domain, _, resource = rest.partition(u"/")
        if domain != self.domain:
            return
        targets = [s for s in self.sessions_of(node)
                   if s.presence is not None and (not resource or s.jid == stanza.recipient)]
        if not targets and stanza.kind == "message" and stanza.body is not None:
            self._offline.putIfAbsent(node, CopyOnWriteArrayList())
            self._offline.get(node).add(stanza)
            for listener in list(self.offline_listeners):   # as OfflineMessageStrategy does
                listener.message_stored(node, copy.copy(stanza))
        for target in targets:
            self._hand(target, stanza, stanza.recipient)

    def _flush_offline(self, session):
        waiting = self._offline.remove(session.username)
        for stanza in list(waiting or []):
            self._hand(session, stanza, session.jid)

    def _hand(self, target, stanza, recipient):
        delivered = copy.copy(stanza)
        delivered.recipient = recipient
        delivered.id = delivered.id or u"mem%d" % next(_ids)
        delivered.xml = lambda: to_xml(delivered)
        target.listener.on_stanza(delivered)


def _openfire_jid(text):
    """Refuses a recipient as Openfire's JID class does when a packet is built: with an
    IllegalArgumentException, which the caller must have prevented (a 500 otherwise)."""
    if text is None:
        return
    try:
        jid.parse(text)
    except BadRequest:
        raise IllegalArgumentException("Illegal JID: " + text)


def to_xml(stanza):
    """The stanza as XML text, as a server would hand it to a client (for chatapi.xmpp)."""
    attributes = "".join(" %s=%s" % (name, quoteattr(value)) for name, value in (
        ("type", stanza.type), ("from", stanza.sender), ("to", stanza.recipient),
        ("id", stanza.id)) if value)
    children = "".join("<%s>%s</%s>" % (name, escape(value), name) for name, value in (
        ("body", stanza.body), ("subject", stanza.subject), ("show", stanza.show),
        ("status", stanza.status)) if value is not None)
    if stanza.chat_state:
        children += "<%s xmlns='%s'/>" % (stanza.chat_state, model.NS_CHAT_STATES)
    if stanza.data is not None:
        children += "<json xmlns='%s'>%s</json>" % (model.NS_JSON, escape(stanza.data))
    return u"<%s%s>%s</%s>" % (stanza.kind, attributes, children, stanza.kind)
