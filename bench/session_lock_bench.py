"""Session-lock benchmark: the same REST->SSE load on two versions of SparkWeb's code, one after
the other in one run, each under JFR; where threads parked in UserSession (issue 16).

    python3 bench/session_lock_bench.py --old-tree DIR [--rounds 2] [--seconds 20]
                                        [--connections 16] [--streams 5]

``DIR`` holds the code to compare with (e.g. ``git worktree add /tmp/old main``); the current
tree's build/devhost/lib is used for both, only the Python sources differ. Each round starts
the dev host (SparkWeb on Jetty with the in-memory Openfire, which, like Openfire, routes a
message synchronously into the recipient's session on the sender's thread) for the old and
then the new code, with JFR recording jdk.ThreadPark >= 1 ms. Load: ``--connections``
closed-loop clients POST /chat/message from alice and carol to bob, whose ``--streams`` event
streams are open; one of them timestamps REST->SSE latency. Reported per run: requests/s,
REST->SSE latency p50/p99, the senders' request latency p50/p99, the seconds threads spent
parked with a UserSession frame on the stack (by the innermost such frame), and the longest
waits to enter Java monitors, by class (Jython's id() lock shows as org.python.core.IdImpl).
On a shared machine only the side-by-side ratios mean much.
Prints a JSON line last. Loopback only; every phase bounded.
"""
import argparse
import asyncio
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, HERE)
from harness import paths  # noqa: E402
from harness.devhost import DevHost  # noqa: E402
from sse_client import login, open_stream, percentile  # noqa: E402

SENDERS = ("alice", "carol")
SESSION_FRAME = re.compile(r"sparkweb\.session\.user_session\$py\.(\w+?)\$\d+")
JFC_THRESHOLD = re.compile(r'(<event name="jdk.ThreadPark">.*?<setting name="threshold"'
                           r'[^>]*>)[^<]*(<)', re.S)


def park_settings(directory):
    """JDK's profile settings with jdk.ThreadPark recorded from 1 ms (10 ms by default)."""
    java_home = os.path.dirname(os.path.dirname(os.path.realpath(
        subprocess.run(["which", "java"], capture_output=True, text=True).stdout.strip())))
    with open(os.path.join(java_home, "lib", "jfr", "profile.jfc")) as source:
        text = JFC_THRESHOLD.sub(r"\g<1>1 ms\2", source.read())
    path = os.path.join(directory, "parks.jfc")
    with open(path, "w") as target:
        target.write(text)
    return path


def parked_in_sessions(recording):
    """Seconds parked per innermost UserSession frame, from jdk.ThreadPark events."""
    out = subprocess.run(["jfr", "print", "--events", "jdk.ThreadPark", "--stack-depth", "40",
                          recording], capture_output=True, text=True, timeout=600).stdout
    totals = collections.Counter()
    for event in out.split("jdk.ThreadPark {")[1:]:
        duration = re.search(r"duration = ([\d.]+) (ms|s|us)", event)
        frame = SESSION_FRAME.search(event)
        if duration and frame:
            value = float(duration.group(1)) / {"s": 1, "ms": 1e3, "us": 1e6}[duration.group(2)]
            totals[frame.group(1)] += value
    return dict((name, round(seconds, 2)) for name, seconds in totals.most_common())


def monitor_waits(recording, top=5):
    """Milliseconds threads waited to enter Java monitors (jdk.JavaMonitorEnter, 10 ms and
    longer by the profile's threshold), by the monitor's class; the ``top`` longest."""
    out = subprocess.run(["jfr", "print", "--events", "jdk.JavaMonitorEnter", "--stack-depth",
                          "1", recording], capture_output=True, text=True, timeout=600).stdout
    totals = collections.Counter()
    for event in out.split("jdk.JavaMonitorEnter {")[1:]:
        duration = re.search(r"duration = ([\d.]+) (ms|s|us)", event)
        monitor = re.search(r"monitorClass = (\S+)", event)
        if duration and monitor:
            value = float(duration.group(1)) * {"s": 1e3, "ms": 1, "us": 1e-3}[duration.group(2)]
            totals[monitor.group(1)] += value
    return dict((name, round(millis)) for name, millis in totals.most_common(top))


async def load(target, seconds, connections, streams):
    rest = target.base_url + "/sparkweb/api/rest"
    latencies, done, answered = [], [0], []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as http:
        tokens = {}
        for name in SENDERS + ("bob",):
            tokens[name] = await login(http, rest, name, target.users[name])

        def received(name, data):
            if name == "chatapi.chat":
                body = json.loads(data).get("body") or ""
                if body.startswith("bench "):
                    latencies.append((time.time() - float(body.split()[1])) * 1000)
        readers = [asyncio.ensure_future(open_stream(target.base_url, tokens["bob"],
                                                     on_event=received if index == 0 else None))
                   for index in range(streams)]
        await asyncio.sleep(2)

        async def client(index, until):
            sender = tokens[SENDERS[index % len(SENDERS)]]
            while time.time() < until:
                asked = time.time()
                async with http.post(rest + "/chat/message/bob", data="bench %.6f" % asked,
                                     headers={"Authorization": sender}) as response:
                    await response.read()
                    if response.status == 200:
                        done[0] += 1
                        answered.append((time.time() - asked) * 1000)
        warm_until = time.time() + 5
        await asyncio.gather(*[client(i, warm_until) for i in range(connections)])
        del latencies[:]
        del answered[:]
        done[0] = 0
        started = time.time()
        await asyncio.gather(*[client(i, started + seconds) for i in range(connections)])
        took = time.time() - started
        await asyncio.sleep(2)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return {"requests_per_s": round(done[0] / took, 1), "delivered": len(latencies),
            "p50_ms": round(percentile(latencies, 0.5), 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
            # How long the sender waited for its answer: what a publisher held by others'
            # deliveries (S6-R-2) shows in.
            "request_p50_ms": round(percentile(answered, 0.5), 1) if answered else None,
            "request_p99_ms": round(percentile(answered, 0.99), 1) if answered else None}


def one_run(label, tree, settings, directory, args):
    recording = os.path.join(directory, "%s-%d.jfr" % (label, int(time.time())))
    paths.PYTHON_SOURCES = os.path.join(tree, "src", "main", "python")
    server = DevHost(jvm_options=["-Xmx1g", "-XX:StartFlightRecording=settings=%s,filename=%s"
                                  % (settings, recording)], properties={})
    target = server.start()
    try:
        result = asyncio.run(load(target, args.seconds, args.connections, args.streams))
    finally:
        server.stop()
    result.update(code=label, parked_s=parked_in_sessions(recording),
                  monitor_waits_ms=monitor_waits(recording),
                  load_average=[round(x, 1) for x in os.getloadavg()])
    print(json.dumps(result), flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-tree", required=True)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--streams", type=int, default=5)
    args = parser.parse_args()
    new_tree = os.path.dirname(HERE)
    directory = tempfile.mkdtemp(prefix="session-lock-bench-")
    settings = park_settings(directory)
    runs = []
    for _ in range(args.rounds):
        runs.append(one_run("old", args.old_tree, settings, directory, args))
        runs.append(one_run("new", new_tree, settings, directory, args))
    print(json.dumps({"runs": runs, "recordings": directory}))


if __name__ == "__main__":
    main()
