"""XMPP sessions inside the live Openfire, and conversion between Openfire's packets and
SparkWeb's neutral :class:`~sparkweb.xmpp.stanza.Stanza`.

A session is a ``LocalClientSession`` on a socket-less connection (a ``VirtualConnection``),
authenticated as the user; what it sends goes through a ``SessionPacketRouter`` exactly as if
a client had sent it, and what Openfire routes to it arrives in ``deliver``.
"""
from __future__ import absolute_import

import jarray

from java.lang import Thread, Throwable, Void
from java.lang.invoke import MethodHandles, MethodType
from java.util import Locale, Optional
from java.util.concurrent import CompletableFuture, TimeUnit, TimeoutException
from org.dom4j import DocumentHelper, QName
from org.jivesoftware.openfire import SessionManager, SessionPacketRouter, XMPPServer
from org.jivesoftware.openfire.auth import AuthToken
from org.jivesoftware.openfire.net import VirtualConnection
from org.jivesoftware.openfire.spi import ConnectionType
from org.igniterealtime.openfire.plugin.sparkweb import OpenfireCall
from org.xmpp.packet import IQ, JID, Message, Packet, Presence, Roster

from sparkweb.log import RepeatedFailures, logger
from sparkweb.openfire import live_forwarding, live_home
from sparkweb.openfire import live_muc_stanzas
from sparkweb.xmpp import roster as roster_model
from sparkweb.xmpp import stanza as model

LOG = logger("xmpp")
# A listener that fails may fail on every stanza: each kind is logged once, with its traceback.
_DELIVERY_FAILURES = RepeatedFailures(LOG, "Handling a stanza for a SparkWeb session")
# How long close() waits for Openfire to finish removing the session (normally milliseconds;
# longer only when the common pool its close listeners run on is starved).
CLOSE_WAIT_SECONDS = 5
CO_VARARGS, CO_VARKEYWORDS = 0x04, 0x08   # code flags, as CPython's inspect names them


# The classloader of Openfire itself (and of its Jetty).
OPENFIRE_LOADER = XMPPServer.getInstance().getClass().getClassLoader()


def _with_openfire_loader(method):
    """``method`` run with Openfire's classloader as the thread's context classloader.

    Openfire builds some objects on first use (HttpBindManager its BOSH and WebSocket contexts
    and their worker threads), and Jetty contexts and new threads keep the context classloader
    of the thread that made them. Ours is the plugin's (Openfire sets it around
    initializePlugin, Jetty in our context's requests), and anything Openfire kept of it would
    keep an unloaded SparkWeb's classloader alive.

    A method without optional parameters gets a wrapper without ``**kwargs``: a function that
    declares it makes a new dict on every call, and Jython 2.7.4's dict constructor writes
    ``__hash__`` into the dict type's own dictionary, one lock every thread making a dict
    takes. JFR of the side-by-side benchmark at 500 messages/s: 33 s of waits on it, up to
    687 ms each, 15.9 s of them from this wrapper around get_property (Settings.get).
    """
    if _optional_parameters(method):
        def call(self, *args, **kwargs):
            thread = Thread.currentThread()
            previous = thread.getContextClassLoader()
            thread.setContextClassLoader(OPENFIRE_LOADER)
            try:
                return method(self, *args, **kwargs)
            finally:
                thread.setContextClassLoader(previous)
    else:
        def call(self, *args):
            thread = Thread.currentThread()
            previous = thread.getContextClassLoader()
            thread.setContextClassLoader(OPENFIRE_LOADER)
            try:
                return method(self, *args)
            finally:
                thread.setContextClassLoader(previous)
    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


def _optional_parameters(function):
    """Whether ``function`` has defaults, ``*args`` or ``**kwargs`` (True when it is not a
    plain Python function, whose parameters cannot be told)."""
    code = getattr(function, "func_code", None)
    if code is None:
        return True
    return bool(function.func_defaults) or bool(code.co_flags & (CO_VARARGS | CO_VARKEYWORDS))


def calls_with_openfire_loader(cls):
    """Class decorator: every method of ``cls`` runs with Openfire's context classloader."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("__"):
            setattr(cls, name, _with_openfire_loader(value))
    return cls


# SessionPacketRouter.route(Packet), called through OpenfireCall (see there why).
_ROUTE = MethodHandles.publicLookup().findVirtual(
    SessionPacketRouter, "route", MethodType.methodType(Void.TYPE, Packet))


class SparkWebConnection(VirtualConnection):
    """The socket-less connection of a SparkWeb session: packets go to the listener."""

    def __init__(self, listener):
        VirtualConnection.__init__(self)
        self._listener = listener
        self._configuration = None
        # Completed once Openfire has run every close listener: the session is removed.
        self.removed = CompletableFuture()

    def deliver(self, packet):
        try:
            self._listener.on_stanza(from_packet(packet))
        except (Exception, Throwable):   # one bad stanza must not break routing
            _DELIVERY_FAILURES.failed()

    def deliverRawText(self, text):
        pass   # raw text is only stream-level XML (errors, closing tags): nothing to show

    def closeVirtualConnection(self, error):
        # Openfire calls this after its close listeners, so the route is gone by now.
        self.removed.complete(None)
        self._listener.on_closed()

    def systemShutdown(self):
        self.close()

    def getAddress(self):
        return jarray.array([127, 0, 0, 1], "b")

    def getHostAddress(self):
        return "127.0.0.1"

    def getHostName(self):
        return "localhost"

    def getTLSProtocolName(self):
        return Optional.empty()

    def getCipherSuiteName(self):
        return Optional.empty()

    def getConfiguration(self):
        if self._configuration is None:
            manager = XMPPServer.getInstance().getConnectionManager()
            listener = manager.getListener(ConnectionType.SOCKET_C2S, False)
            self._configuration = listener.generateConnectionConfiguration()
        return self._configuration


@calls_with_openfire_loader
class LiveSession(object):
    def __init__(self, username, resource, listener):
        self._connection = SparkWebConnection(listener)
        self._session = SessionManager.getInstance().createClientSession(
            self._connection, Locale.ENGLISH)
        try:    # authenticating installs the route: on one cluster node only (live_home)
            live_home.create_at_home(
                XMPPServer.getInstance().createJID(username, resource),
                lambda: self._session.setAuthToken(AuthToken.generateUserToken(username),
                                                   resource))
        except (Exception, Throwable):
            self._connection.close()      # the unauthenticated session Openfire registered
            raise
        self._router = SessionPacketRouter(self._session)
        self.jid = self._session.getAddress().toString()
        self._route(_roster_request())   # so Openfire sends this session roster pushes

    def send(self, stanza):
        self._route(to_packet(stanza))

    def _route(self, packet):
        # Routing can start Openfire pool threads (a first presence starts PEP's workers).
        OpenfireCall.invoke(MethodHandles.insertArguments(_ROUTE, 0, self._router, packet))

    def close(self):
        """Closes the session and returns once Openfire has removed it. Openfire removes a
        closing session's route asynchronously, by address; up to 5.0 that removal takes the
        route of whatever session has the address by then, so a next session of the user
        (same full JID) must not start before it is done."""
        self._connection.close()
        try:    # CompletableFuture.get lets a common-pool thread compensate while it waits
            self._connection.removed.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)
        except TimeoutException:
            LOG.warn("Openfire took over %d s to remove the closed XMPP session %s." % (
                CLOSE_WAIT_SECONDS, self.jid))


def _roster_request():
    # Openfire's roster handler casts to org.xmpp.packet.Roster, so a plain IQ will not do.
    return Roster()   # type get, <query xmlns='jabber:iq:roster'/>


def _roster_packet(stanza):
    """A roster set as Openfire's roster handler needs it: an org.xmpp.packet.Roster."""
    packet = Roster(IQ.Type.set)
    for item in stanza.roster:
        if item.subscription == "remove":
            packet.addItem(JID(item.jid), Roster.Subscription.remove)
        else:   # the server ignores a subscription other than remove (RFC 6121 2.1.5)
            packet.addItem(JID(item.jid), item.name, None, Roster.Subscription.none,
                           list(item.groups))
    return packet


def to_packet(stanza):
    if stanza.kind == "iq" and stanza.payload is not None:   # carbons, archive queries
        return live_forwarding.iq_packet(stanza)
    if stanza.kind == "iq" and stanza.xml is not None:   # built by xmpp.iq as XML text
        return IQ(DocumentHelper.parseText(stanza.get_xml()).getRootElement())
    if stanza.kind == "iq":      # a roster set, or a room's configuration (live_muc_stanzas)
        packet = (_roster_packet(stanza) if stanza.roster is not None
                  else live_muc_stanzas.new_iq(stanza))
    elif stanza.kind == "message":
        packet = Message()
        if stanza.type:
            packet.setType(Message.Type.valueOf(stanza.type))
        if stanza.body is not None:
            packet.setBody(stanza.body)
        if stanza.chat_state:
            packet.addChildElement(stanza.chat_state, model.NS_CHAT_STATES)
        if stanza.data is not None:
            packet.addChildElement("json", model.NS_JSON).setText(stanza.data)
    else:
        packet = Presence()
        if stanza.type:
            packet.setType(Presence.Type.valueOf(stanza.type))
        if stanza.show:
            packet.setShow(Presence.Show.valueOf(stanza.show))
        if stanza.status is not None:
            packet.setStatus(stanza.status)
        if stanza.priority is not None:
            packet.setPriority(stanza.priority)
    live_muc_stanzas.add_muc_elements(stanza, packet)
    if stanza.recipient:
        packet.setTo(JID(stanza.recipient))
    if stanza.id:
        packet.setID(stanza.id)
    return packet


def _text(value):
    return None if value is None else unicode(value)


def from_packet(packet):
    return from_element(packet.getElement(), _text(packet.getFrom()), _text(packet.getTo()),
                        packet.toXML)


def from_element(element, sender=None, recipient=None, xml=None):
    """The Stanza of a stanza's element; a forwarded one (XEP-0297) names its own addresses."""
    kind = element.getName()
    result = model.Stanza(
        kind, type=_text(element.attributeValue("type")),
        sender=sender or _text(element.attributeValue("from")),
        recipient=recipient or _text(element.attributeValue("to")),
        id=_text(element.attributeValue("id")), xml=xml or element.asXML)
    if kind == "message":
        _read_message(element, result)
    elif kind == "iq":
        _read_iq(element, result)
        live_forwarding.read_fin(element, result)
    elif kind == "presence":
        result.show = _text(element.elementText("show"))
        result.status = _text(element.elementText("status"))
        priority = element.elementText("priority")
        result.priority = int(priority) if priority and priority.lstrip("-").isdigit() else None
    live_muc_stanzas.read_extras(element, result)
    _read_error(element, result)
    return result


NS_STANZA_ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas"
ERROR_TYPE = "error"


def _read_iq(element, result):
    """Roster results and pushes: their items."""
    query = element.element(QName.get("query", roster_model.NS_ROSTER))
    if query is not None:
        result.roster = [roster_model.Item(
            _text(item.attributeValue("jid")), _text(item.attributeValue("name")),
            [_text(group.getText()) for group in item.elements("group")],
            _text(item.attributeValue("subscription")), _text(item.attributeValue("ask")))
            for item in query.elements("item")]


def _read_error(element, result):
    """The defined condition of an error of any kind (an IQ's, a room's refusal of a join or
    a message); its optional <text/> is not a condition."""
    error = element.element("error")
    if error is not None or result.type == ERROR_TYPE:
        conditions = [child.getName() for child in (error.elements() if error is not None else ())
                      if child.getNamespaceURI() == NS_STANZA_ERRORS
                      and child.getName() != "text"]
        result.error = _text(conditions[0]) if conditions else u"undefined-condition"


def _read_message(element, result):
    result.body = _text(element.elementText("body"))
    result.subject = _text(element.elementText("subject"))
    result.thread = _text(element.elementText("thread"))
    for child in element.elements():
        namespace = child.getNamespaceURI()
        if namespace == model.NS_CHAT_STATES:
            result.chat_state = child.getName()
        elif namespace == model.NS_JSON and child.getName() == "json":
            result.data = child.getText()
        elif namespace == model.NS_CONFERENCE and child.getName() == "x":
            # A mediated invitation carries this too (Openfire adds it): that one wins.
            if result.invite is None or result.invite.get("direct"):
                result.invite = {"room": _text(child.attributeValue("jid")),
                                 "from": result.sender,
                                 "reason": _text(child.attributeValue("reason")),
                                 "password": _text(child.attributeValue("password")),
                                 "direct": True}
        elif namespace in live_forwarding.FORWARDING_NAMESPACES:
            live_forwarding.read_forwarded(child, result, from_element)
        elif namespace == model.NS_MUC_USER:
            invite = child.element(QName.get("invite", model.NS_MUC_USER))
            if invite is not None:
                result.invite = {"room": result.sender,
                                 "from": _text(invite.attributeValue("from")),
                                 "reason": _text(invite.elementText("reason")),
                                 "password": _text(child.elementText("password")),
                                 "direct": False}
