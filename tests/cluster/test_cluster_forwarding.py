"""REST on the node that does not hold the user's session acts on that session (issue 17, item
2): the token is verified where the request arrives, the operation runs on the home node as
that user, and the answer names the node that served it (``SparkWeb-Node``). Without
forwarding, node 2 answered bob's requests with 503 while his session lived on node 1."""
import uuid

import httpx
import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer

from cluster.node_names import NODE_HEADER, node_name


@pytest.fixture
def alice_on_node1(node1):
    peer = XmppPeer("alice@" + node1.domain, node1.users["alice"], node1.xmpp_address,
                    resource="forwarding")
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


def test_each_node_names_itself_to_token_holders_only(node1, node2, bob_at_home_on_node1):
    token, _ = bob_at_home_on_node1
    names = (node_name(node1, token), node_name(node2, token))
    assert all(names) and names[0] != names[1], "node names: %r" % (names,)
    with httpx.Client(base_url=node2.rest_url, timeout=30) as client:
        anonymous = [client.get("/no-such-route"), client.get("/roster"),
                     client.post("/login/bob", content="wrong password")]
    assert [r.headers.get(NODE_HEADER) for r in anonymous] == [None] * 3, \
        "an anonymous caller was told the node (attack S6-A5): %r" % [
            (r.status_code, r.headers.get(NODE_HEADER)) for r in anonymous]


def test_rest_on_the_other_node_acts_on_the_home_session(node1, node2, alice_on_node1,
                                                         bob_at_home_on_node1):
    token, stream = bob_at_home_on_node1
    home = node_name(node1, token)
    domain = node1.domain
    text = "through node 2 " + uuid.uuid4().hex
    with node2.client(token) as client:
        sent = client.post("/chat/message/alice", content=text.encode("utf-8"),
                           headers={"Content-Type": "text/plain; charset=utf-8"})
        roster = client.get("/roster")
        presence = client.get("/presence/roster")
    for name, response in (("message", sent), ("roster", roster), ("presence", presence)):
        assert response.status_code == 200, (name, response.status_code, response.text)
        assert response.headers.get(NODE_HEADER) == home, \
            "the %s was served by %r, not bob's home node %r" % (
                name, response.headers.get(NODE_HEADER), home)
    message = alice_on_node1.next_message(where=lambda m: m["body"] == text, timeout=30)
    assert message["from"] == "bob@%s/sparkweb" % domain, \
        "the message came from %r, not bob's one session" % message["from"]
    assert "alice@" + domain in roster.text, "alice is not in bob's roster: %s" % roster.text
    reply = "back to the one session " + uuid.uuid4().hex
    alice_on_node1.send_message("bob@" + domain, reply)
    event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == reply, timeout=30)
    assert event.data["from"].startswith("alice@"), event.data


def test_the_token_is_checked_where_the_request_arrives(node1, node2, bob_at_home_on_node1):
    token, _ = bob_at_home_on_node1
    with node2.client(token[:-4] + "AAAA") as client:
        response = client.get("/roster")
    assert response.status_code == 401, (response.status_code, response.text)
    # A forwarded answer names the home node; a refusal where it arrived names none (S6-A5).
    assert response.headers.get(NODE_HEADER) is None, \
        "a bad token was not refused by the node it reached"
