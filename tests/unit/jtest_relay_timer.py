"""Relay timers on a thread of their own (review S7-R-8): the plugin's housekeeping thread may
be held for long (ending many sessions stores their unread messages one by one), and a home
node whose keepalives stop has every relayed stream closed by their nodes at once."""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentLinkedQueue, CountDownLatch, TimeUnit

from sparkweb.cluster import relay_messages
from sparkweb.devhost import JettyWebServer
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.openfire.memory_cluster import MemoryCluster
from sparkweb.plugin import SparkWeb
from sparkweb.session.registry import SessionRegistry
from jtest_plugin_lifecycle import LOADER, _serve
from support import wait_for


def _stream_node(openfire, batches):
    """Node "b" as the stream's end of relays: records each batch and acknowledges it."""
    def receive(envelope, body):
        message = relay_messages.decode(envelope, body)
        if message.kind == relay_messages.EVENTS:
            batches.add((message.number, body is not None and len(body) > 0))
            openfire.send_to_node(u"a", *relay_messages.encode(
                relay_messages.ACK, message.relay, message.number, u"b"))
    openfire.receiver = receive


def test_relay_keepalives_go_on_while_the_housekeeping_thread_is_held():
    server, handlers, base = _serve()
    cluster = MemoryCluster()
    home = MemoryOpenfire(u"example.test", JettyWebServer(handlers), [base])
    cluster.join(home, u"a")
    home.add_user(u"alice", u"alice-pw")
    other = MemoryOpenfire(u"example.test")
    cluster.join(other, u"b")
    batches = ConcurrentLinkedQueue()
    _stream_node(other, batches)
    held, release = CountDownLatch(1), CountDownLatch(1)
    original_expire = SessionRegistry.expire

    def held_expire(registry):       # ending sessions that store many unread messages
        held.countDown()
        getattr(release, "await")(30, TimeUnit.SECONDS)
    SessionRegistry.expire = held_expire
    plugin = None
    try:
        plugin = SparkWeb(home, LOADER).start()
        assert getattr(held, "await")(10, TimeUnit.SECONDS), "housekeeping never ran"
        home.receiver(*relay_messages.encode(
            relay_messages.OPEN, u"relay-1", 0, u"b",
            relay_messages.open_body(u"alice", None, False, (u"onConnect", {}))))
        wait_for(lambda: len(list(batches)) >= 1, "the relayed stream got no first batch", 10)
        wait_for(lambda: [b for b in list(batches) if not b[1]],
                 "no keepalive within 10 s while the housekeeping thread was held (the "
                 "stream's node closes the relay after 20 s of silence)", 10)
    finally:
        release.countDown()
        SessionRegistry.expire = original_expire
        if plugin is not None:
            plugin.stop()
        server.stop()
        cluster.stop()
