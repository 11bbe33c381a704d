"""Reloading SparkWeb on the home node while the other node forwards to it (issue 17): requests
that were in flight or arrive meanwhile are answered 200, or 503 with Retry-After, never 500
and never later than forwardSeconds (30 s): while SparkWeb is away there, the other node's
calls get no answer and wait that long (a known limit, see README Clustering); once SparkWeb
is back, the user's requests on the other node work again."""
import threading
import time

import httpx


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
