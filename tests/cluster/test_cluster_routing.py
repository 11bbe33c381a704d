"""Stanzas cross the cluster both ways: a slixmpp user signed in on node 1 and a SparkWeb user
whose session lives on node 2 (where she signed in and opened her stream), by bare and by full
JID (a path cannot carry a full JID, so SparkWeb sends to the bare one). Openfire routes between the nodes through the Hazelcast plugin's cluster tasks; SparkWeb's
session is registered cluster-wide like any client session, so no SparkWeb code is involved
in the crossing itself, which is what this shows."""
import uuid

import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer


@pytest.fixture
def alice_on_node1(node1):
    peer = XmppPeer("alice@" + node1.domain, node1.users["alice"], node1.xmpp_address,
                    resource="node1")
    yield peer
    peer.close()


def test_a_slixmpp_user_on_one_node_and_a_sparkweb_user_on_the_other_chat_both_ways(
        node1, node2, alice_on_node1):
    domain = node2.domain
    token = node2.login("bob")
    with EventStream(node2, token) as stream:
        stream.next("onConnect")
        for to in ("bob@" + domain, "bob@%s/sparkweb" % domain):
            text = "to %s %s" % (to, uuid.uuid4().hex)
            alice_on_node1.send_message(to, text)
            event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text,
                                timeout=30)
            assert event.data["from"] == "alice@%s/node1" % domain, \
                "the message to %s came from %r" % (to, event.data["from"])
        text = "from node 2 " + uuid.uuid4().hex
        with node2.client(token) as client:
            response = client.post("/chat/message/alice", content=text.encode("utf-8"),
                                   headers={"Content-Type": "text/plain; charset=utf-8"})
        assert response.status_code == 200, (response.status_code, response.text)
        message = alice_on_node1.next_message(where=lambda m: m["body"] == text, timeout=30)
        assert message["from"] == "bob@%s/sparkweb" % domain, \
            "the message from node 2 came from %r" % message["from"]
