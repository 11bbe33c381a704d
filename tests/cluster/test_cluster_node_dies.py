"""The home node of a user dies (``kill -9``) while another node forwards the user's requests
(issue 17, item 2): the survivor answers 503 with Retry-After, never hangs, and once Openfire
has dropped the dead node's routes the session starts on the survivor. Runs last: it leaves the
session's cluster with one node."""
import os
import signal
import time

import httpx
import pytest

NODE_HEADER = "SparkWeb-Node"
ANSWER_SECONDS = 75      # forwardSeconds (30) plus Hazelcast noticing the member is gone
RECOVERY_SECONDS = 180


def _name(target):
    with httpx.Client(base_url=target.rest_url, timeout=30) as client:
        return client.get("/no-such-route").headers.get(NODE_HEADER)


@pytest.mark.kills_a_node
def test_a_dead_home_node_gives_503_not_a_hang_then_the_session_starts_on_the_survivor(
        cluster, node1, node2):
    token = node1.login("alice")
    with node1.client(token) as client:
        home_name = client.get("/presence/roster").headers.get(NODE_HEADER)
    nodes = {_name(node1): (cluster.nodes[0], node1), _name(node2): (cluster.nodes[1], node2)}
    dying, _ = nodes.pop(home_name)
    survivor_name, (_, survivor) = list(nodes.items())[0]
    os.killpg(dying.process.pid, signal.SIGKILL)
    answers = []
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
                break
            assert response.status_code == 503, (response.status_code, response.text)
            assert response.headers.get("Retry-After"), "a 503 without Retry-After"
            time.sleep(int(response.headers["Retry-After"]))
    print("answers on the survivor (status, seconds, node): %r" % answers)
    assert answers and answers[-1][0] == 200, \
        "the session did not start on the survivor within %d s: %r" % (RECOVERY_SECONDS,
                                                                      answers)
    assert answers[-1][2] == survivor_name, answers
