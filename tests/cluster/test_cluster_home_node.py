"""A user's SparkWeb session has one home node in the cluster (issue 17, item 1): however the
first requests are spread over the nodes, only one node creates the session, under Openfire's
route lock, and the other refuses with a 503 instead of creating a second one (until requests
are forwarded to the home node). Before, both nodes created ``carol@…/sparkweb``: two
sessions, last-writer-wins routes, and the end of the stale one unrouting the survivor."""
import threading
import uuid

import httpx
import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer

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
    served = sorted(set(node for node, status, _ in results if status == 200))
    assert len(served) == 1, "carol's session was started on nodes %r: %r" % (
        [index + 1 for index in served], _outcomes(results))
    home = served[0]
    refused = [result for result in results if result[0] != home]
    assert all(status == 503 and answer.get("error") == "service_unavailable"
               for _, status, answer in refused), \
        "the other node must refuse with 503 while the session lives on node %d: %r" % (
            home + 1, _outcomes(refused))
    token = next(answer["token"] for node, status, answer in results if status == 200)
    with EventStream(nodes[home], token) as stream:
        stream.next("onConnect")
        text = "to the one session " + uuid.uuid4().hex
        alice_on_node1.send_message("carol@%s/sparkweb" % node1.domain, text)
        stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text, timeout=30)
