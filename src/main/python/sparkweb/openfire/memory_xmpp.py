"""A small in-memory XMPP router for the in-memory Openfire: enough of RFC 6121 for the dev
host and unit tests (messages to bare and full JIDs, presence broadcast to contacts with
subscription, initial presence probes, offline messages, unavailable on close, roster sets and
subscription handshakes through ``memory_contacts``)."""
from __future__ import absolute_import

import copy
import itertools
from xml.sax.saxutils import escape, quoteattr

from java.lang import IllegalArgumentException
from java.util.concurrent import ConcurrentHashMap, CopyOnWriteArrayList
from java.util.concurrent.locks import ReentrantLock

from sparkweb.errors import BadRequest
from sparkweb.openfire.memory_contacts import MemoryContacts
from sparkweb.openfire.memory_iq import MemoryIqHandler
from sparkweb.xmpp import jid
from sparkweb.xmpp import stanza as model

SUBSCRIPTION_TYPES = ("subscribe", "subscribed", "unsubscribe", "unsubscribed")

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
    def __init__(self, domain):
        self.domain = domain
        self.contacts = MemoryContacts(domain, self._deliver_to_user, self._share_presence)
        self._sessions = ConcurrentHashMap()   # username -> CopyOnWriteArrayList of sessions
        self._offline = ConcurrentHashMap()    # username -> CopyOnWriteArrayList of stanzas
        self.offline_listeners = CopyOnWriteArrayList()   # told of each stored message
        self._lock = ReentrantLock()
        self.iq = MemoryIqHandler(domain)       # answers IQs to the domain and its components

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
        if stanza.kind == "iq":
            self._iq(session, stanza)
        elif stanza.kind == "presence" and stanza.type in SUBSCRIPTION_TYPES:
            if stanza.recipient:
                self.contacts.subscription(session.username, stanza)
        elif stanza.kind == "presence" and stanza.recipient is None:
            self._presence_update(session, stanza)
        elif stanza.recipient:
            self._deliver(stanza)

    def _iq(self, session, stanza):
        """Roster sets, as Openfire's IQRosterHandler; IQs built as XML (xmpp.iq: service
        discovery, upload slots) as memory_iq answers them; any other: service-unavailable."""
        if stanza.type == "set" and stanza.roster is not None:
            answer = self.contacts.roster_set(session.username, stanza)
        elif stanza.type in ("get", "set") and stanza.xml is not None:
            session.listener.on_stanza(self.iq.answer(session.jid, stanza))
            return
        else:
            answer = model.Stanza("iq", type="error", id=stanza.id, error=u"service-unavailable")
        self._hand(session, answer, session.jid)

    def _deliver_to_user(self, username, stanza, available_only):
        for session in self.sessions_of(username):
            if session.presence is not None or not available_only:
                self._hand(session, stanza, session.jid)

    def _share_presence(self, username, contact):
        for session in self.sessions_of(username):
            if session.presence is not None:
                self._deliver_to_user(contact, session.presence, True)

    def _presence_update(self, session, stanza):
        initial = session.presence is None and stanza.type is None
        session.presence = None if stanza.type == "unavailable" else stanza
        self._broadcast(session, stanza)
        if initial:
            self._probe_contacts(session)
            self._flush_offline(session)
            for request in self.contacts.pending_requests(session.username):
                self._hand(session, request, session.jid)

    def _broadcast(self, session, stanza):
        for contact in list(self.contacts.receivers(session.username)) + [session.username]:
            for other in self.sessions_of(contact):
                if other is not session:
                    self._hand(other, stanza, u"%s@%s" % (contact, self.domain))

    def _probe_contacts(self, session):
        for contact in self.contacts.sources(session.username):
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
    if stanza.roster is not None:
        children += "<query xmlns='jabber:iq:roster'>%s</query>" % "".join(_item_xml(item)
                                                                         for item in stanza.roster)
    if stanza.error is not None:
        children += "<error><%s xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>" % \
            stanza.error
    return u"<%s%s>%s</%s>" % (stanza.kind, attributes, children, stanza.kind)


def _item_xml(item):
    attributes = "".join(" %s=%s" % (name, quoteattr(value)) for name, value in (
        ("jid", item.jid), ("name", item.name), ("subscription", item.subscription),
        ("ask", item.ask)) if value)
    groups = "".join("<group>%s</group>" % escape(group) for group in item.groups)
    return u"<item%s>%s</item>" % (attributes, groups)
