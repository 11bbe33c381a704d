"""An event stream opened on the node that does not hold the user's session is relayed from the
home node (issue 17, item 3): it receives every event in the home session's order, with the
home session's ids, and a reconnect there with Last-Event-ID replays what it missed. Before
relaying, node 2 answered such a stream 503. The settings page shows both nodes and the relay
from each side (issue 17, item 7)."""
import re
import uuid

import pytest

from harness.openfire_admin import SETTINGS_PAGE, AdminConsole
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


def _cluster_box(node_server):
    """(the nodes cell, {count name: value}) of the settings page's cluster box on a node."""
    console = AdminConsole(node_server, node_server.admin_password)
    try:
        page = console.client.get(SETTINGS_PAGE).text
    finally:
        console.close()
    nodes = re.search(r'id="sparkweb-cluster-nodes">(.*?)</td>', page)
    counts = dict((name, int(value)) for name, value in
                  re.findall(r'id="sparkweb-cluster-([a-z_]+)">(\d+)<', page))
    assert nodes is not None, "no cluster box on the page"
    return nodes.group(1), counts


def test_the_settings_page_shows_both_nodes_and_the_relay_both_ways(cluster, node2,
                                                                    bob_at_home_on_node1):
    token, _ = bob_at_home_on_node1
    with EventStream(node2, token) as relayed:
        relayed.next("onConnect", timeout=30)
        with node2.client(token) as client:
            assert client.get("/roster").status_code == 200, "forwarded call failed"
        home_nodes, home = _cluster_box(cluster.nodes[0])
        other_nodes, other = _cluster_box(cluster.nodes[1])
    for cell in (home_nodes, other_nodes):
        assert cell.count("<code>") == 2 and cell.count("this node") == 1, \
            "not both nodes, this one marked: %s" % cell
    assert home["relays_out"] >= 1 and home["sessions"] >= 1 and home["served"] >= 1, home
    assert other["relays_in"] >= 1 and other["forwarded"] >= 1, other


def test_the_home_sessions_end_closes_the_relayed_stream(node1, node2):
    """bob's session lives on node 1 (his stream with one token there); a second token's
    stream on node 2 is relayed. Signing the first token out on node 1 keeps the session, which
    that stream still uses (review S7-R-2); signing the second out on node 2 then ends it,
    which closes the relayed stream."""
    at_home, elsewhere = node1.login("bob"), node1.login("bob")
    with EventStream(node1, at_home) as home_stream:
        home_stream.next("onConnect")
        with EventStream(node2, elsewhere) as relayed:
            relayed.next("onConnect", timeout=30)
            with node1.client(at_home) as client:
                assert client.post("/logout").status_code in (200, 204), "logout failed"
            assert not relayed.ended(3), "a sign-out of another token ended the relayed stream"
            with node2.client(elsewhere) as client:
                assert client.post("/logout").status_code in (200, 204), "logout failed"
            assert relayed.ended(10), "the relayed stream outlived its sign-out"


def test_a_token_revoked_on_the_home_node_closes_its_relayed_stream(node1, node2,
                                                                   bob_at_home_on_node1):
    """A sign-out on node 1 is not announced to node 2: node 2 checks the tokens of its relayed
    streams every 5 s."""
    elsewhere = node1.login("bob")
    with EventStream(node2, elsewhere) as relayed:
        relayed.next("onConnect", timeout=30)
        with node1.client(elsewhere) as client:
            assert client.post("/logout").status_code in (200, 204), "logout failed"
        assert relayed.ended(15), "a relayed stream outlived its token's revocation"
