"""Web Push on Openfire: the subscription table (push_table) on Openfire's connection pool,
and Openfire's offline-message events."""
from __future__ import absolute_import

from java.lang import Throwable
from java.util.concurrent import ConcurrentHashMap
from org.jivesoftware.database import DbConnectionManager
from org.jivesoftware.openfire import OfflineMessageListener, OfflineMessageStrategy, XMPPServer

from sparkweb.log import logger
from sparkweb.openfire.push_table import PushSubscriptionTable
from sparkweb.openfire.live_xmpp import from_packet

LOG = logger("webpush")


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
