"""Web Push on Openfire: the subscription table (push_table) on Openfire's connection pool,
and Openfire's offline messages: their events, and storing those a SparkWeb session's pages
never saw."""
from __future__ import absolute_import

from java.lang import Thread, Throwable
from java.util import Date
from java.util.concurrent import ConcurrentHashMap
from org.dom4j import DocumentHelper
from org.jivesoftware.database import DbConnectionManager
from org.jivesoftware.openfire import OfflineMessageListener, OfflineMessageStrategy, XMPPServer
from org.jivesoftware.util import XMPPDateTimeFormat
from org.xmpp.packet import Message

from sparkweb.log import logger
from sparkweb.openfire.push_table import PushSubscriptionTable
from sparkweb.openfire.live_xmpp import from_packet

LOG = logger("webpush")
NS_DELAY = "urn:xmpp:delay"
# Threads handing messages to Openfire in store_unread. Not a threading.local: that would leave
# a value of this plugin's classes on Openfire's threads (the plugin monitor's, at unload, when
# sessions end), keeping an unloaded SparkWeb in memory.
_storing_unread = ConcurrentHashMap.newKeySet()


def subscription_table():
    """The subscription table in Openfire's database."""
    return PushSubscriptionTable(DbConnectionManager)


class _OfflineEvents(OfflineMessageListener):
    """Openfire's offline-message events as the facade's listener interface."""

    def __init__(self, listener):
        self.listener = listener

    def messageBounced(self, message):
        pass

    def messageStored(self, message):
        if _storing_unread.contains(Thread.currentThread()):
            return      # pushed when it came (store_unread)
        try:
            recipient = message.getTo()
            if recipient is None or recipient.getNode() is None or \
                    not XMPPServer.getInstance().isLocal(recipient):
                return
            self.listener.message_stored(recipient.getNode(), from_packet(message))
        except (Exception, Throwable) as error:   # never disturb Openfire's storing
            LOG.warn("SparkWeb could not handle an offline message: %s" % error)


class OfflineListeners(object):
    def __init__(self):
        self._adapters = ConcurrentHashMap()   # id(listener) -> its OfflineMessageListener

    def add(self, listener):
        adapter = _OfflineEvents(listener)
        self._adapters.put(id(listener), adapter)
        OfflineMessageStrategy.addListener(adapter)

    def remove(self, listener):
        adapter = self._adapters.remove(id(listener))
        if adapter is not None:
            OfflineMessageStrategy.removeListener(adapter)


def xmpp_session_count(username):
    """See OpenfireFacade.xmpp_session_count."""
    return XMPPServer.getInstance().getSessionManager().getSessionCount(username)


def store_unread(username, unread):
    """See OpenfireFacade.store_unread."""
    server = XMPPServer.getInstance()
    if not server.getSessionManager().getSessions(username).isEmpty():
        return 0
    bare = server.createJID(username, None)
    domain = server.getServerInfo().getXMPPDomain()
    _storing_unread.add(Thread.currentThread())
    try:
        for millis, stanza in unread:
            message = Message(DocumentHelper.parseText(stanza.get_xml()).getRootElement(), True)
            message.setTo(bare)
            _drop_delays_not_from(message, domain)   # a sender's own stamp is not the server's
            if message.getChildElement("delay", NS_DELAY) is None:
                delay = message.addChildElement("delay", NS_DELAY)
                delay.addAttribute("stamp", XMPPDateTimeFormat.format(Date(millis)))
                delay.addAttribute("from", domain)
            server.getOfflineMessageStrategy().storeOffline(message)
    finally:
        _storing_unread.remove(Thread.currentThread())
    return len(unread)


def _drop_delays_not_from(message, domain):
    """Keeps a XEP-0203 delay only when this server added it (an offline message delivered
    at sign-in, say): a stamp the sender wrote would show as the time it came."""
    for delay in list(message.getElement().elements()):
        if delay.getName() == "delay" and delay.getNamespaceURI() == NS_DELAY and \
                delay.attributeValue("from") != domain:
            message.getElement().remove(delay)
