"""The home node of a user dies (``kill -9``) while the user streams from it and another node
forwards the user's requests (issue 17, items 2 and 4): a contact on the survivor sees the
user go unavailable, the browser's stream ends, the survivor answers 503 with Retry-After,
never hangs, and once Openfire has dropped the dead node's routes, reconnecting the stream
starts the session on the survivor (the contact sees the user available again). Runs last: it
leaves the session's cluster with one node."""
import os
import signal
import time

import httpx
import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer
from cluster.node_names import NODE_HEADER, node_name

ANSWER_SECONDS = 75      # forwardSeconds (30) plus Hazelcast noticing the member is gone
RECOVERY_SECONDS = 180


def _is(username, kind):
    return lambda p: p["from"].startswith(username + "@") and p["from"].endswith(
        "/sparkweb") and (p["type"] or "available") == kind


def _first_200(survivor, token, answers):
    """REST on the survivor until it answers 200 (the session restarted there)."""
    deadline = time.time() + RECOVERY_SECONDS
    with httpx.Client(base_url=survivor.rest_url, timeout=ANSWER_SECONDS + 30,
                      headers={"Authorization": token}) as client:
        while time.time() < deadline:
            started = time.time()
            response = client.get("/presence/roster")
            answers.append((response.status_code, round(time.time() - started, 1),
                            response.headers.get(NODE_HEADER)))
            assert answers[-1][1] < ANSWER_SECONDS, "a request hung: %r" % answers
            if response.status_code == 200:
                return response
            assert response.status_code == 503, (response.status_code, response.text)
            assert response.headers.get("Retry-After"), "a 503 without Retry-After"
            time.sleep(int(response.headers["Retry-After"]))
    raise AssertionError("the session did not start on the survivor within %d s: %r" % (
        RECOVERY_SECONDS, answers))


@pytest.mark.kills_a_node
def test_a_dead_home_node_the_peer_sees_unavailable_the_stream_ends_and_reconnecting_starts_the_session_on_the_survivor(
        cluster, node1, node2):
    token = node1.login("alice")
    names = {node_name(node1, token): (cluster.nodes[0], node1),
             node_name(node2, token): (cluster.nodes[1], node2)}
    with node1.client(token) as client:
        home_name = client.get("/presence/roster").headers.get(NODE_HEADER)
    dying, home = names.pop(home_name)
    stream = EventStream(home, token)        # the browser's stream, on alice's home node
    assert stream.status == 200, stream.status
    stream.next("onConnect")
    survivor_name, (_, survivor) = list(names.items())[0]
    bob = XmppPeer("bob@" + survivor.domain, survivor.users["bob"], survivor.xmpp_address,
                   resource="watcher")
    try:
        os.killpg(dying.process.pid, signal.SIGKILL)
        killed = time.time()
        assert stream.ended(ANSWER_SECONDS), "the stream from the dead node did not end"
        ended_after = time.time() - killed
        gone = bob.next_presence(where=_is("alice", "unavailable"), timeout=RECOVERY_SECONDS)
        unavailable_after = time.time() - killed
        answers = []
        response = _first_200(survivor, token, answers)
        print("after kill -9: stream ended in %.1f s, bob saw alice unavailable in %.1f s; "
              "answers on the survivor (status, seconds, node): %r" % (
                  ended_after, unavailable_after, answers))
        assert gone and response.headers.get(NODE_HEADER) == survivor_name, answers
        with EventStream(survivor, token) as again:   # the browser reconnects
            assert again.status == 200, again.status
            again.next("onConnect")
            assert again.headers.get(NODE_HEADER) == survivor_name
            bob.next_presence(where=_is("alice", "available"), timeout=30)
    finally:
        stream.close()
        bob.close()
