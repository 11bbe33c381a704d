"""Cluster benchmark (issue 17): what forwarding and relaying cost on a two-node Openfire cluster,
as ratios against the same work done on the user's home node.

    OPENFIRE_HOME=/opt/openfire OPENFIRE_HAZELCAST_PLUGIN=/opt/openfire-plugins/hazelcast.jar \\
        python3 bench/cluster_bench.py [--calls 300] [--messages 300] [--rate 20]

Starts the test cluster of tests/cluster (harness/openfire_cluster.py: two Openfire 5.1 nodes
on 127.0.0.1 and 127.0.0.2, Hazelcast over TCP on loopback, a scratch PostgreSQL), then:

1. Calls: bob's session lives on node 1. ``GET /presence/roster`` with his token, ``--calls``
   times on node 1 (local) and as often on node 2 (forwarded to node 1 and answered back as
   two cluster tasks), interleaved one by one so both sides see the same machine; keep-alive
   connections, after a warm-up. Reports p50/p99/mean of each and the ratios forwarded/local.
2. Events: bob has one event stream on node 1 (local) and one on node 2 (relayed from node 1).
   alice (her session on node 1) posts ``--messages`` chat messages to bob over REST on node 1
   at ``--rate`` per second; both streams receive every message. Reports the time from the
   send to each stream's arrival, p50/p99/max, and the ratios relayed/local.

Both halves measure the same requests and events on both sides at the same moments, so the
ratios hold on a loaded machine better than the absolute figures; the load average is printed
beside them. Prints a JSON summary as its last line. Build first (gradle assemble). Traffic
stays on loopback; every loop is bounded in count and time.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from harness import openfire_cluster  # noqa: E402
from harness.sse import EventStream  # noqa: E402

NODE_HEADER = "SparkWeb-Node"
WARM_UP_CALLS = 50
WAIT_SECONDS = 60


class TimedStream(EventStream):
    """An event stream that notes when each chat message arrived (perf_counter seconds)."""

    def __init__(self, *args, **kwargs):
        self.arrivals = {}      # message body -> arrival time
        EventStream.__init__(self, *args, **kwargs)

    def _line(self, line, fields):
        if line == "" and fields.get("event") == "chatapi.chat" and "data" in fields:
            body = json.loads(fields["data"]).get("body")
            if body is not None:
                self.arrivals.setdefault(body, time.perf_counter())
        EventStream._line(self, line, fields)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def figures(millis):
    return {"count": len(millis), "p50_ms": round(percentile(millis, 0.5), 2),
            "p99_ms": round(percentile(millis, 0.99), 2),
            "mean_ms": round(statistics.mean(millis), 2), "max_ms": round(max(millis), 2)}


def ratios(other, local):
    return dict(("%s_ratio" % name, round(other[name] / local[name], 2))
                for name in ("p50_ms", "p99_ms", "mean_ms") if local[name])


def timed_call(client):
    started = time.perf_counter()
    response = client.get("/presence/roster")
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (response.status_code, response.text)
    return elapsed, response.headers.get(NODE_HEADER)


def measure_calls(node1, node2, token, calls):
    """Interleaved local and forwarded calls of the same operation."""
    local, forwarded = [], []
    with node1.client(token) as near, node2.client(token) as far:
        for _ in range(WARM_UP_CALLS):
            timed_call(near)
            timed_call(far)
        home = timed_call(near)[1]
        for _ in range(calls):
            local.append(timed_call(near)[0])
            elapsed, served_by = timed_call(far)
            assert served_by == home, "node 2 answered itself (%s), not node 1 (%s)" % (
                served_by, home)
            forwarded.append(elapsed)
    result = {"local": figures(local), "forwarded": figures(forwarded)}
    result.update(ratios(result["forwarded"], result["local"]))
    return result


def post(client, body):
    response = client.post("/chat/message/bob", content=body.encode("utf-8"),
                           headers={"Content-Type": "text/plain; charset=utf-8"})
    assert response.status_code == 200, (response.status_code, response.text)


def warm_up(client, *streams):
    """A first message (alice's session starts) that both streams have before timing."""
    post(client, "bench warm-up")
    deadline = time.time() + WAIT_SECONDS
    while not all("bench warm-up" in stream.arrivals for stream in streams):
        assert time.time() < deadline, "the warm-up message did not reach both streams"
        time.sleep(0.05)
    for stream in streams:
        stream.arrivals.clear()


def measure_events(node1, node2, bob, alice, messages, rate):
    """Chat messages to bob, timed from alice's send to each of his two streams."""
    sent = {}
    with TimedStream(node1, bob) as local, TimedStream(node2, bob) as relayed:
        local.next("onConnect", timeout=30)
        relayed.next("onConnect", timeout=30)
        with node1.client(alice) as client:
            warm_up(client, local, relayed)
            start = time.perf_counter()
            for number in range(messages):
                due = start + number / float(rate)
                time.sleep(max(0.0, due - time.perf_counter()))
                body = "bench %05d" % number
                sent[body] = time.perf_counter()
                post(client, body)
        deadline = time.time() + WAIT_SECONDS
        while time.time() < deadline and (len(local.arrivals) < messages or
                                          len(relayed.arrivals) < messages):
            time.sleep(0.2)
        send_lag = max(sent["bench %05d" % n] - (start + n / float(rate))
                       for n in range(messages)) * 1000
        result = {}
        for name, stream in (("local", local), ("relayed", relayed)):
            millis = [(stream.arrivals[body] - at) * 1000 for body, at in sent.items()
                      if body in stream.arrivals]
            result[name] = figures(millis) if millis else {"count": 0}
        result["max_send_lag_ms"] = round(send_lag, 1)
        result["relayed_in_order"] = sorted(relayed.arrivals, key=relayed.arrivals.get) == \
            sorted(relayed.arrivals)
    if result["local"]["count"] and result["relayed"]["count"]:
        result.update(ratios(result["relayed"], result["local"]))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0)
    options = parser.parse_args()
    trouble = openfire_cluster.problem()
    if trouble is not None:
        sys.exit("cannot start the cluster: " + trouble[1])
    cluster = openfire_cluster.OpenfireCluster()
    started = time.time()
    cluster.start()
    try:
        node1, node2 = cluster.targets
        print("cluster up in %.0f s" % (time.time() - started), flush=True)
        bob, alice = node1.login("bob"), node1.login("alice")
        with EventStream(node1, bob) as home_stream:      # bob's session starts on node 1
            home_stream.next("onConnect", timeout=30)
            load_before = os.getloadavg()
            calls = measure_calls(node1, node2, bob, options.calls)
            print("calls: %s" % json.dumps(calls), flush=True)
            events = measure_events(node1, node2, bob, alice, options.messages, options.rate)
            print("events: %s" % json.dumps(events), flush=True)
            load_after = os.getloadavg()
        summary = {"calls": calls, "events": events,
                   "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
                   "cpus": os.cpu_count(), "hazelcast_plugin": os.path.basename(
                       os.environ.get(openfire_cluster.PLUGIN_VARIABLE, ""))}
        print(json.dumps(summary))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
