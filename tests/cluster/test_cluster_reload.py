"""Reloading SparkWeb on the home node while the other node forwards to it (issue 17): requests
that were in flight or arrive meanwhile are answered 200, or 503 with Retry-After, never 500
and never later than forwardSeconds (30 s); once SparkWeb is back, the user's requests on the
other node work again. A call for a home node where SparkWeb is not loaded is answered 503 at
once (cluster.serving), not after forwardSeconds: nothing there would answer it."""
import threading
import time

import httpx

from harness.xmpp import XmppPeer

QUICK_SECONDS = 5


def test_reloading_sparkweb_on_the_home_node_while_the_other_forwards(cluster, node1, node2):
    token = node1.login("carol")          # carol's session now lives on node 1
    home = cluster.nodes[0]
    answers, stop = [], threading.Event()

    def forward_in_a_loop():
        with httpx.Client(base_url=node2.rest_url, timeout=45,
                          headers={"Authorization": token}) as client:
            while not stop.is_set():
                started = time.time()
                try:
                    response = client.get("/presence/roster")
                    answers.append((response.status_code, time.time() - started,
                                    response.headers.get("Retry-After")))
                except httpx.HTTPError as error:
                    answers.append((repr(error), time.time() - started, None))
                time.sleep(0.05)
    threads = [threading.Thread(target=forward_in_a_loop, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        home.uninstall_plugin()
        home.wait_for_api(present=False, timeout=60)
        time.sleep(2)                      # node 2 forwards to a node without SparkWeb
        home.install_plugin()
        home.wait_for_api(present=True, timeout=120)
        time.sleep(2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(90)
    assert not [t for t in threads if t.is_alive()], "a forwarded request hung"
    statuses = [status for status, _, _ in answers]
    assert statuses and statuses.count(200) > 0, "no forwarded request worked: %r" % statuses
    wrong = [a for a in answers if a[0] not in (200, 503) or (a[0] == 503 and not a[2])]
    assert not wrong, "answers other than 200, or 503 with Retry-After: %r" % wrong[:5]
    slow = [a for a in answers if a[1] > 35]
    assert not slow, "forwarded requests waited past the forwarding timeout: %r" % slow[:5]
    with httpx.Client(base_url=node2.rest_url, timeout=30,
                      headers={"Authorization": token}) as client:
        deadline = time.time() + 60
        while client.get("/presence/roster").status_code != 200 and time.time() < deadline:
            time.sleep(1)
        assert client.get("/presence/roster").status_code == 200, \
            "requests on node 2 still fail after SparkWeb came back on node 1"
        client.post("/logout")


def test_a_call_for_a_home_node_where_sparkweb_is_unloaded_is_503_at_once(cluster, node1, node2):
    token = node1.login("carol")          # valid on every node (one signing key)
    home = cluster.nodes[0]
    home.uninstall_plugin()               # carol's session on node 1 ends with SparkWeb
    holder = None
    try:
        home.wait_for_api(present=False, timeout=60)
        # A client of carol's binds the resource SparkWeb uses, on node 1: the route of
        # carol@domain/sparkweb names node 1 while no SparkWeb runs there.
        holder = XmppPeer("carol@" + node1.domain, node1.users["carol"], node1.xmpp_address,
                          resource="sparkweb")
        answers = []
        with httpx.Client(base_url=node2.rest_url, timeout=45,
                          headers={"Authorization": token}) as client:
            for _ in range(3):
                started = time.time()
                response = client.get("/presence/roster")
                answers.append((response.status_code, round(time.time() - started, 1),
                                response.headers.get("Retry-After")))
        print("calls through node 2 for a home node without SparkWeb (status, s, Retry-After):"
              " %r" % answers)
        assert all(status == 503 and retry for status, _, retry in answers), answers
        assert max(took for _, took, _ in answers) < QUICK_SECONDS, \
            "a call for a node without SparkWeb waited instead of a 503 at once: %r" % answers
    finally:
        if holder is not None:
            holder.close()
        home.install_plugin()
        home.wait_for_api(present=True, timeout=120)
