"""An event stream opened on the node that does not hold the user's session is relayed from the
home node (issue 17, item 3): it receives every event in the home session's order, with the
home session's ids, and a reconnect there with Last-Event-ID replays what it missed. Before
relaying, node 2 answered such a stream 503."""
import uuid

import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer

MESSAGES = 60


@pytest.fixture
def alice_on_node1(node1):
    peer = XmppPeer("alice@" + node1.domain, node1.users["alice"], node1.xmpp_address,
                    resource="relay")
    yield peer
    peer.close()


@pytest.fixture
def bob_at_home_on_node1(node1):
    """bob's token, his session on node 1 (an event stream open there); signed out after."""
    token = node1.login("bob")
    with EventStream(node1, token) as stream:
        stream.next("onConnect")
        yield token, stream
    with node1.client(token) as client:   # ends the session, so later tests start afresh
        client.post("/logout")


def chats(stream, tag, count, timeout=60):
    """The next ``count`` chat events whose body carries ``tag``."""
    return [stream.next("chatapi.chat", where=lambda e: e.data.get("body", "").startswith(tag),
                        timeout=timeout) for _ in range(count)]


def test_a_stream_on_the_other_node_gets_every_event_in_order(node2, alice_on_node1,
                                                              bob_at_home_on_node1):
    token, at_home = bob_at_home_on_node1
    tag = uuid.uuid4().hex[:8]
    with EventStream(node2, token) as relayed:
        assert relayed.status == 200, "node 2 answered the stream %s" % relayed.status
        relayed.next("onConnect", timeout=30)
        for number in range(MESSAGES):
            alice_on_node1.send_message("bob@" + node2.domain, "%s %03d" % (tag, number))
        received = chats(relayed, tag, MESSAGES)
        home = chats(at_home, tag, MESSAGES)
    bodies = [event.data["body"] for event in received]
    assert bodies == ["%s %03d" % (tag, number) for number in range(MESSAGES)], \
        "relayed out of order or incomplete: %r" % bodies[:10]
    assert [event.id for event in received] == [event.id for event in home], \
        "the relayed ids are not the home session's"


def test_a_stream_on_the_other_node_replays_after_reconnecting(node2, alice_on_node1,
                                                               bob_at_home_on_node1):
    token, _ = bob_at_home_on_node1
    tag = uuid.uuid4().hex[:8]
    to = "bob@" + node2.domain
    with EventStream(node2, token) as first:
        first.next("onConnect", timeout=30)
        alice_on_node1.send_message(to, tag + " before")
        last_seen = chats(first, tag, 1)[0].id
    for word in ("missed-1", "missed-2"):
        alice_on_node1.send_message(to, "%s %s" % (tag, word))
    # Both reached the home session (whose own stream is open) before the reconnect.
    _, at_home = bob_at_home_on_node1
    chats(at_home, tag + " missed", 2)
    with EventStream(node2, token, last_event_id=last_seen) as second:
        greeting = second.next("onConnect", timeout=30)
        replayed = chats(second, tag, 2)
        alice_on_node1.send_message(to, tag + " live")
        live = chats(second, tag, 1)
    assert greeting.id == last_seen, "the onConnect of the reconnect carries %r, not %r" % (
        greeting.id, last_seen)
    assert [e.data["body"] for e in replayed + live] == [
        tag + " missed-1", tag + " missed-2", tag + " live"], [e.data for e in replayed + live]
