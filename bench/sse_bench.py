"""SSE benchmark: streams held per heap, and REST-in -> SSE-out latency under load.

    python3 bench/sse_bench.py [--target devhost|openfire] [--streams 10000]
                               [--stream-users 10] [--rate 1000] [--seconds 10] [--heap 1g]
                               [--warm-up-seconds 90] [--gc-log FILE] [--jfr FILE]
                               [--async-profiler LAUNCHER_JAR OUTPUT]

1. Opens ``--streams`` concurrent idle event streams (heartbeats only), spread evenly over
   ``--stream-users`` users with ``sparkweb.sse.maxStreamsPerUser`` raised to match (a user may
   have at most 1,000: one user's 10,000 streams would keep only its newest), against a server
   whose JVM heap is capped at ``--heap``; reports how many opened, how many are still open
   after the load, and the heap in use after a full GC.
2. While they stay open, user alice posts chat messages over REST at ``--rate`` per second for
   ``--seconds`` (after ``--warm-up-seconds``, 90, at the same rate, not counted: the target
   is a rate sustained, and a fresh JVM compiles this path for about a minute of full load,
   taking most of a core meanwhile); bob's stream receives them; reports delivery latency
   p50/p99/max.
3. On a real Openfire (OPENFIRE_HOME), with the streams still open, the same load from dave's
   XMPP client to carol's through the same server, and the ratio of the two latencies. Both
   paths use the side-by-side benchmark's generator and readers (sidebyside.latency,
   sidebyside.peers), which find a marker in the raw bytes: no client parses more on one path
   than on the other.

On Openfire, the scratch copy leaves out Openfire's optional plugins (Monitoring, HTTP File
Upload, Bookmarks) unless ``--optional-plugins``: Monitoring archives every message under a lock
per conversation, which holds both paths back at this rate. ``--jfr FILE`` records the server
during both latency paths (warm-ups included); ``--async-profiler`` samples its CPU over the
same span without safepoint bias; ``--gc-log FILE`` has its JVM log GC pauses and safepoints
(much lighter than either) and sums, per measured part, how long the server stood still.

The client reports its own limits apart from the server's: the idle streams are held by a
separate process, so that their heartbeats do not share the measuring event loop; for the
measured part of each path (after its warm-up, until its last message arrived or 5 s
passed) it gives the CPU share (of one core) of the server's JVM, of the measuring
process and of the stream holder, how late sends left against their schedule (``send_lag``)
and how late a 5 ms ticker on the measuring loop woke up (``loop_lag``). A large lag or a
client near 100 % of a core means the client, not the server, set the figures.
Build first (gradle assemble). Prints a JSON summary as its last line. Traffic stays on
loopback; every loop is bounded in count and time.
"""
import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.devhost import DevHost  # noqa: E402
from harness.openfire import LocalOpenfire  # noqa: E402
from sidebyside.plugins import remove_optional_plugins  # noqa: E402
from sidebyside import peers  # noqa: E402
from sse_client import open_stream  # noqa: E402
from sidebyside.gclog import java_option, pauses_between  # noqa: E402
from sidebyside.latency import Run, measure  # noqa: E402
from sidebyside.recording import (start_async_profiler, start_jfr,  # noqa: E402
                                  stop_async_profiler, stop_jfr)


class BenchOpenfire(LocalOpenfire):
    """The harness's scratch Openfire, without Openfire's optional plugins unless asked
    (sidebyside.plugins: Monitoring serialises each conversation's messages)."""

    def __init__(self, source_home, optional_plugins, **options):
        LocalOpenfire.__init__(self, source_home, **options)
        self.optional_plugins = optional_plugins

    def prepare(self):
        LocalOpenfire.prepare(self)
        if not self.optional_plugins:
            remove_optional_plugins(self.home)


async def hold_streams(base, tokens, count):
    """Opens ``count`` streams in batches, spread evenly over ``tokens`` (one per user);
    returns (tasks, opened count, seconds)."""
    opened = [0]
    started = time.time()
    tasks = []

    def mark():
        opened[0] += 1
    for first in range(0, count, 500):
        batch = [asyncio.ensure_future(open_stream(base, tokens[(first + i) % len(tokens)],
                                                   opened=mark))
                 for i in range(min(500, count - first))]
        tasks += batch
        deadline = time.time() + 60
        while opened[0] < len(tasks) and time.time() < deadline:
            await asyncio.sleep(0.05)
    return tasks, opened[0], time.time() - started


def cpu_seconds(pid):
    """User + system CPU seconds of process ``pid`` so far (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


class CpuShares(object):
    """CPU share of one core per named process between start() and stop()."""

    def __init__(self, pids):
        self.pids = dict((name, pid) for name, pid in pids.items() if pid)
        self.before, self.started = {}, None

    def start(self):
        self.before = dict((name, cpu_seconds(pid)) for name, pid in self.pids.items())
        self.started = time.time()

    def stop(self):
        took = time.time() - self.started
        return dict((name, round(100 * (cpu_seconds(pid) - self.before[name]) / took, 1))
                    for name, pid in self.pids.items())


async def measure_path(path, rate, seconds, warm_up_seconds, cpu, gc_log):
    run = Run()
    async with path(run) as send:
        row = await asyncio.wait_for(measure(send, run, rate, seconds, warm_up_seconds, cpu=cpu),
                                     (seconds + warm_up_seconds) * 4 + 60)
        statuses = getattr(send, "statuses", None)
        if statuses is not None:
            row["answers"] = dict(statuses)
    row["limited_by_client"] = bool((row["loop_lag_p99_ms"] or 0) > 10 or
                                    (row["send_lag_p99_ms"] or 0) > 10 or
                                    row["cpu_percent_of_one_core"].get("client", 0) > 85)
    if gc_log:
        row["server_pauses"] = pauses_between(gc_log, row["measured_from"], row["measured_to"])
    return row


class Peer(object):
    """What sidebyside.peers needs of a server: addresses, domain and users' passwords."""

    def __init__(self, target):
        self.base_url, self.domain, self.users = target.base_url, target.domain, target.users
        self.ports = {"http": urllib.parse.urlsplit(target.base_url).port}
        if target.xmpp_address:
            self.ports["c2s"] = target.xmpp_address[1]


async def measure_paths(target, rate, seconds, warm_up_seconds, cpu, gc_log):
    """REST->SSE and, on a real Openfire, native client->client, one after the other while the
    idle streams stay open, with the same generator and readers as the side-by-side benchmark
    (sidebyside.latency, sidebyside.peers): a marker scanned in raw bytes on every path."""
    peer = Peer(target)
    tokens = dict((name, target.login(name)) for name in ("alice", "bob"))
    paths = [("rest_to_sse", lambda run: peers.sparkweb_to_sse(peer, tokens, run))]
    if target.xmpp_address:
        paths.append(("native_xmpp", lambda run: peers.openfire_native(peer, tokens, run)))
    rows = {}
    for name, path in paths:
        try:
            rows[name] = await measure_path(path, rate, seconds, warm_up_seconds, cpu, gc_log)
        except Exception as failure:          # one broken path must not hide the other
            rows[name] = {"error": "%s: %s" % (type(failure).__name__, failure)}
    return rows


def heap_used_mb(pid):
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=120)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True,
                         timeout=60).stdout
    for line in out.splitlines():
        if "used" in line and "total" in line:
            used = line.split("used")[1].split()[0]
            return int(used.rstrip("K")) // 1024
    return None


def java_pid(process):
    """The JVM under a launcher (openfire.sh execs java, so usually the same pid)."""
    return process.pid


def stream_users(args):
    return ["idle%d" % index for index in range(args.stream_users)]


def streams_per_user(args):
    return int(math.ceil(args.streams / float(args.stream_users)))


def holder(base, tokens, count, reports, commands):
    """The stream-holding process: opens the idle streams, reports how many opened, waits for
    "count" (reports how many are still open) and "stop"."""
    async def hold():
        tasks, opened, took = await hold_streams(base, tokens, count)
        reports.put(("opened", opened, took))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, commands.get)
            if command == "count":
                reports.put(("open", sum(1 for task in tasks if not task.done())))
            else:
                break
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(hold())


@contextlib.contextmanager
def recordings(args, pid):
    """The JFR recording and the async-profiler sampling asked for, over both paths with their
    warm-ups; saved also when the measurement fails."""
    if args.jfr:
        start_jfr(pid, args.jfr)
    if args.async_profiler:
        start_async_profiler(pid, args.async_profiler[0])
    try:
        yield
    finally:
        if args.jfr:
            stop_jfr(pid, args.jfr)
        if args.async_profiler:
            stop_async_profiler(pid, *args.async_profiler)


def run(args, target, process):
    result = {"target": target.name, "streams_requested": args.streams, "heap": args.heap,
              "stream_users": args.stream_users, "max_streams_per_user": streams_per_user(args)}
    context = multiprocessing.get_context("spawn")
    reports, commands = context.Queue(), context.Queue()
    tokens = [target.login(name) for name in stream_users(args)]
    child = context.Process(target=holder, args=(target.base_url, tokens, args.streams,
                                                 reports, commands), daemon=True)
    child.start()
    try:
        _, opened, took = reports.get(timeout=60 + args.streams / 10)
        result.update(streams_open=opened, streams_open_seconds=round(took, 1),
                      heap_used_mb_after_gc=heap_used_mb(java_pid(process)))
        cpu = CpuShares({"server": java_pid(process), "client": os.getpid(),
                         "stream_holder": child.pid})
        with recordings(args, java_pid(process)):
            result.update(asyncio.run(measure_paths(target, args.rate, args.seconds,
                                                    args.warm_up_seconds, cpu, args.gc_log)))
        commands.put("count")
        result["streams_still_open_after_load"] = reports.get(timeout=60)[1]
    finally:
        commands.put("stop")
        child.join(60)
        if child.is_alive():
            child.terminate()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=("devhost", "openfire"), default="devhost")
    parser.add_argument("--streams", type=int, default=10000)
    parser.add_argument("--stream-users", type=int, default=10,
                        help="users the idle streams are spread over (at most 1,000 each)")
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warm-up-seconds", type=float, default=90,
                        help="load at --rate before each measured part, not counted: the "
                             "target is a rate sustained, and a fresh JVM compiles this path "
                             "for about a minute of full load (5 or 30 show that cold side)")
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--jfr", help="record a JFR profile of the server during both latency "
                                      "paths, warm-ups included (profile settings)")
    parser.add_argument("--async-profiler", nargs=2, metavar=("LAUNCHER_JAR", "OUTPUT"),
                        help="sample the server's CPU with async-profiler during both latency "
                             "paths, warm-ups included; OUTPUT .html is a flame graph, else "
                             "collapsed stacks")
    parser.add_argument("--gc-log", help="have the server's JVM log its GC pauses and "
                                         "safepoints to this file, and sum those in each "
                                         "measured window (sidebyside.gclog)")
    parser.add_argument("--optional-plugins", action="store_true",
                        help="keep Openfire's Monitoring, HTTP File Upload and Bookmarks plugins")
    args = parser.parse_args()
    if streams_per_user(args) > 1000:
        parser.error("at most 1,000 streams per user: raise --stream-users")
    users = ("alice", "bob", "carol", "dave") + tuple(stream_users(args))
    properties = {"sparkweb.sse.maxStreamsPerUser": str(max(streams_per_user(args), 1))}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    jvm_options = ["-Xmx" + args.heap] + ([java_option(args.gc_log)] if args.gc_log else [])
    if args.target == "openfire":
        if not os.environ.get("OPENFIRE_HOME"):
            sys.exit("--target openfire needs OPENFIRE_HOME")
        server = BenchOpenfire(os.environ["OPENFIRE_HOME"], args.optional_plugins, users=users,
                               java_options=" ".join(jvm_options), properties=properties)
    else:
        server = DevHost(jvm_options=jvm_options, properties=properties, users=users)
    target = server.start()
    try:
        result = run(args, target, server.process)
        native, mine = result.get("native_xmpp") or {}, result.get("rest_to_sse") or {}
        if native.get("p50_ms") and mine.get("p50_ms"):
            result["ratio_p50"] = round(mine["p50_ms"] / native["p50_ms"], 2)
            result["ratio_p99"] = round(mine["p99_ms"] / native["p99_ms"], 2)
    finally:
        server.stop()
    result["machine"] = "%s, %d cores, %s" % (platform.platform(), os.cpu_count(),
                                             platform.python_version())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
