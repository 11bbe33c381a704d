"""A node where SparkWeb was reloaded still hears the other node (attack S8-A-1, review S8-R-1).

Hazelcast resolves a cluster task's class by name through a cache that keeps the copy it first
loaded until that class is garbage-collected. After a reload it went on instantiating the
unloaded SparkWeb's ClusterMessage, whose receiver had been cleared: every call forwarded to
the node, and every answer coming back to it, was dropped without a word until a full GC
(minutes on a quiet node): 503 after forwardSeconds for each request.
"""
import time

import httpx

from cluster.node_names import NODE_HEADER, node_name

ANSWER_SECONDS = 10


def reload_sparkweb(node):
    node.uninstall_plugin()
    node.wait_for_api(present=False, timeout=60)
    node.install_plugin()
    node.wait_for_api(present=True, timeout=120)


def session_homed_on(target, username):
    """A token of ``username`` whose session lives on ``target``'s node (started there)."""
    token = target.login(username)
    with httpx.Client(base_url=target.rest_url, timeout=60,
                      headers={"Authorization": token}) as client:
        client.post("/logout")             # ends the session wherever it lived
    token = target.login(username)         # and starts it here
    return token


def forwarded_roster(origin, token):
    started = time.time()
    with httpx.Client(base_url=origin.rest_url, timeout=60,
                      headers={"Authorization": token}) as client:
        response = client.get("/presence/roster")
    return response.status_code, time.time() - started, response.headers.get(NODE_HEADER)


def test_a_reloaded_node_still_receives_calls_and_answers_from_the_other(cluster, node1, node2):
    # Node 1 receives a call and an answer first: Hazelcast resolves the class (and caches
    # it) at the first message a node receives.
    bob = session_homed_on(node1, "bob")
    carol = session_homed_on(node2, "carol")
    assert forwarded_roster(node2, bob)[0] == 200 and forwarded_roster(node1, carol)[0] == 200
    reload_sparkweb(cluster.nodes[0])
    bob = session_homed_on(node1, "bob")        # calls travel node 2 -> node 1 (reloaded)
    carol = session_homed_on(node2, "carol")    # answers travel node 2 -> node 1 (reloaded)
    home_of_bob, home_of_carol = node_name(node1, bob), node_name(node2, carol)
    try:
        for attempt in range(3):
            status, seconds, served_by = forwarded_roster(node2, bob)
            assert (status, served_by) == (200, home_of_bob) and seconds < ANSWER_SECONDS, \
                "call to the reloaded node, attempt %d: %s in %.1f s from %s" % (
                    attempt, status, seconds, served_by)
            status, seconds, served_by = forwarded_roster(node1, carol)
            assert (status, served_by) == (200, home_of_carol) and seconds < ANSWER_SECONDS, \
                "answer to the reloaded node, attempt %d: %s in %.1f s from %s" % (
                    attempt, status, seconds, served_by)
    finally:
        for target, token in ((node1, bob), (node2, carol)):
            with httpx.Client(base_url=target.rest_url, timeout=60,
                              headers={"Authorization": token}) as client:
                client.post("/logout")
