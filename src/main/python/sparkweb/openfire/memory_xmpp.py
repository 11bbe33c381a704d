"""A small in-memory XMPP router for the in-memory Openfire: enough of RFC 6121 for the dev
host and unit tests (messages to bare and full JIDs, presence broadcast to contacts with
subscription, initial presence probes, offline messages, unavailable on close, roster sets and
subscription handshakes through ``memory_contacts``), Message Carbons (XEP-0280) as Openfire
routes them, and IQs for carbons and the archive (``memory_archive``)."""
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
from sparkweb.openfire.memory_pep import MemoryPep
from sparkweb.xmpp import forwarding, jid
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
        self.carbons = False      # XEP-0280 enabled
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

    def deliver_to_self(self, stanza):
        """An answer of the server to this session (IQ results)."""
        if not self.closed:
            self.listener.on_stanza(stanza)


class MemoryXmppRouter(object):
    def __init__(self, domain):
        self.domain = domain
        self.contacts = MemoryContacts(domain, self._deliver_to_user, self._share_presence)
        self._sessions = ConcurrentHashMap()   # username -> CopyOnWriteArrayList of sessions
        self._offline = ConcurrentHashMap()    # username -> CopyOnWriteArrayList of stanzas
        self.offline_listeners = CopyOnWriteArrayList()   # told of each stored message
        self._lock = ReentrantLock()
        self.iq = MemoryIqHandler(domain)       # answers IQs to the domain and its components
        self.pep = MemoryPep(domain)           # the users' own PEP nodes (XEP-0402 bookmarks)
        self.archive = None                    # a MemoryArchive sets itself here
        self.components = ConcurrentHashMap()  # domain -> service with process/session_closed

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
        for component in list(self.components.values()):
            component.session_closed(session)
        if notify:
            session.listener.on_closed()

    def route(self, session, stanza):
        # Archive queries to a room reach the archive (Monitoring's handler), not the room.
        component = (None if isinstance(stanza.payload, forwarding.ArchiveQuery)
                     else self._component_for(stanza.recipient))
        if component is not None:       # a room or the MUC service, before the IQ branch
            component.process(session, stanza)
        elif stanza.kind == "iq":
            self._iq(session, stanza)
        elif stanza.kind == "presence" and stanza.type in SUBSCRIPTION_TYPES:
            if stanza.recipient:
                self.contacts.subscription(session.username, stanza)
        elif stanza.kind == "presence" and stanza.recipient is None:
            self._presence_update(session, stanza)
        elif stanza.recipient:
            if self.archive is not None:
                self.archive.record(stanza)
            self._deliver(stanza)
            if stanza.kind == "message":
                self._carbon_copies(session.username, stanza, "sent", exclude=session)

    def _component_for(self, recipient):
        """The component serving the domain of ``recipient`` (``room@conference.x/nick`` or
        ``conference.x``), else None."""
        if not recipient:
            return None
        bare = recipient.partition(u"/")[0]
        return self.components.get(bare.partition(u"@")[2] or bare)

    # --- IQs and Message Carbons ------------------------------------------------------------
    def _iq(self, session, stanza):
        """Carbons and archive queries (xmpp.forwarding); roster sets, as Openfire's
        IQRosterHandler; IQs to the user's own account as PEP (memory_pep) answers them; other
        IQs built as XML (xmpp.iq: service discovery, upload slots) as memory_iq answers them;
        any other: service-unavailable."""
        own_account = u"%s@%s" % (session.username, self.domain)
        if isinstance(stanza.payload, forwarding.EnableCarbons):
            session.carbons = True
            self.answer(session, stanza)
        elif isinstance(stanza.payload, forwarding.ArchiveQuery) and self.archive is not None:
            self.archive.answer(session, stanza)
        elif stanza.type == "set" and stanza.roster is not None:
            self._hand(session, self.contacts.roster_set(session.username, stanza), session.jid)
        elif stanza.xml is not None and stanza.recipient == own_account:
            self.pep.handle(session, stanza)
        elif stanza.type in ("get", "set") and stanza.xml is not None:
            session.listener.on_stanza(self.iq.answer(session.jid, stanza))
        else:
            self.answer(session, stanza, error="service-unavailable")

    def answer(self, session, request, payload=None, error=None):
        reply = model.Stanza("iq", type="error" if error else "result", id=request.id,
                             sender=request.recipient, recipient=session.jid)
        reply.payload, reply.error = payload, error
        self._hand(session, reply, session.jid)

    def hand_forwarded(self, session, sender, carbon=None, archived=None):
        wrapper = model.Stanza("message", type="chat" if carbon else None, sender=sender)
        wrapper.carbon, wrapper.archived = carbon, archived
        self._hand(session, wrapper, session.jid)

    def _carbon_copies(self, username, stanza, direction, exclude):
        """Openfire's rules (Forwarded.isEligibleForCarbonsDelivery), in short: chat messages,
        normal ones with a body, chat states; never groupchat."""
        eligible = stanza.type == "chat" or stanza.chat_state is not None or (
            stanza.type in (None, "normal") and stanza.body is not None)
        if not eligible or stanza.type == "groupchat":
            return
        own = u"%s@%s" % (username, self.domain)
        for other in self.sessions_of(username):
            if other is not exclude and other.carbons and other.presence is not None:
                self.hand_forwarded(other, own, carbon=forwarding.Carbon(
                    direction, copy.copy(stanza)))

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
        if stanza.type == "unavailable":    # and to where it sent directed presence (rooms)
            for component in list(self.components.values()):
                component.session_closed(session)
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

    def hand_to(self, session, stanza):
        """Delivers a component's stanza to one session (as addressed by the component)."""
        if not session.closed:
            self._hand(session, stanza, stanza.recipient)

    def deliver(self, stanza):
        self._deliver(stanza)

    def _deliver(self, stanza):
        node, _, rest = stanza.recipient.partition(u"@")
        domain, _, resource = rest.partition(u"/")
        if domain != self.domain:
            return
        targets = [s for s in self.sessions_of(node)
                   if s.presence is not None and (not resource or s.jid == stanza.recipient)]
        if resource and targets and stanza.kind == "message":
            self._carbon_copies(node, stanza, "received", exclude=targets[0])
        if not targets and stanza.kind == "message" and stanza.body is not None:
            self._offline.putIfAbsent(node, CopyOnWriteArrayList())
            self._offline.get(node).add(stanza)
            for listener in list(self.offline_listeners):   # as OfflineMessageStrategy does
                listener.message_stored(node, copy.copy(stanza))
        for target in targets:
            self._hand(target, stanza, stanza.recipient)

    def store_unread(self, username, unread):
        """As OpenfireFacade.store_unread: offline, with a delay, no listener told."""
        if self.sessions_of(username):
            return 0
        self._offline.putIfAbsent(username, CopyOnWriteArrayList())
        for millis, stanza in unread:
            kept = copy.copy(stanza)
            kept.recipient = u"%s@%s" % (username, self.domain)
            kept.delay = kept.delay or {"stamp": unicode(millis), "from": self.domain}
            self._offline.get(username).add(kept)
        return len(unread)

    def offline_messages(self, username):
        """What waits offline for the user (tests)."""
        return list(self._offline.get(username) or [])

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
