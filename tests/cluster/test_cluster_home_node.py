"""A user's SparkWeb session has one home node in the cluster (issue 17, item 1): however the
first requests are spread over the nodes, only one node creates the session, under Openfire's
route lock; the other signs the user in without a second session, and forwards the user's
requests to the home node (item 2). Before, both nodes created ``carol@…/sparkweb``: two
sessions, last-writer-wins routes, and the end of the stale one unrouting the survivor."""
import threading
import uuid

import httpx
import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer
from cluster.node_names import node_name

REQUESTS = 20
JOIN_SECONDS = 240


@pytest.fixture
def alice_on_node1(node1):
    peer = XmppPeer("alice@" + node1.domain, node1.users["alice"], node1.xmpp_address,
                    resource="home-test")
    yield peer
    peer.close()


def _concurrent_logins(nodes, username, password):
    """REQUESTS sign-ins of ``username`` at once (each starts the user's session), alternating
    between the nodes; per request (node index, status, JSON answer)."""
    start = threading.Barrier(REQUESTS, timeout=120)
    results = [None] * REQUESTS

    def sign_in(index):
        node = index % len(nodes)
        try:
            start.wait()
            with httpx.Client(base_url=nodes[node].rest_url, timeout=180) as client:
                response = client.post("/login/" + username, content=password)
            results[index] = (node, response.status_code, response.json())
        except Exception as error:       # reported by the assertion below
            results[index] = (node, None, repr(error))
    threads = [threading.Thread(target=sign_in, args=(index,), daemon=True)
               for index in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), "a sign-in hung for %d s" % JOIN_SECONDS
    return results


def _outcomes(results):
    """(node number, status, error code) of each request: what a failure shows, tokens not."""
    return [(node + 1, status, answer.get("error") if isinstance(answer, dict) else answer)
            for node, status, answer in results]


def test_twenty_concurrent_first_requests_split_across_both_nodes_give_exactly_one_session(
        node1, node2, alice_on_node1):
    nodes = [node1, node2]
    results = _concurrent_logins(nodes, "carol", node1.users["carol"])
    assert all(status == 200 for _, status, _ in results), \
        "every sign-in must succeed, on either node: %r" % _outcomes(results)
    token = results[0][2]["token"]
    homes = set()
    for node in nodes:
        with node.client(token) as client:
            response = client.get("/presence/roster")
        assert response.status_code == 200, (response.status_code, response.text)
        homes.add(response.headers.get("SparkWeb-Node"))
    assert len(homes) == 1, "carol's requests were served by nodes %r: two sessions" % homes
    home = [node for node in nodes if node_name(node, token) in homes][0]
    with EventStream(home, token) as stream:
        stream.next("onConnect")
        text = "to the one session " + uuid.uuid4().hex
        alice_on_node1.send_message("carol@%s/sparkweb" % node1.domain, text)
        stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text, timeout=30)

