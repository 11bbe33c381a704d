"""SSE benchmark: streams held per heap, and REST-in -> SSE-out latency under load.

    python3 bench/sse_bench.py [--target devhost|openfire] [--streams 10000]
                               [--stream-users 10] [--rate 1000] [--seconds 10] [--heap 1g]

1. Opens ``--streams`` concurrent idle event streams (heartbeats only), spread evenly over
   ``--stream-users`` users with ``sparkweb.sse.maxStreamsPerUser`` raised to match (a user may
   have at most 1,000: one user's 10,000 streams would keep only its newest), against a server
   whose JVM heap is capped at ``--heap``; reports how many opened, how many are still open
   after the load, and the heap in use after a full GC.
2. While they stay open, user alice posts chat messages over REST at ``--rate`` per second for
   ``--seconds`` (after 5 s of warm-up at a quarter of the rate); bob's stream receives them;
   reports delivery latency p50/p99/max.
3. On a real Openfire (OPENFIRE_HOME) the same load between two slixmpp clients through the
   same server, and the ratio of the two latencies.

On Openfire, the scratch copy leaves out Openfire's optional plugins (Monitoring, HTTP File
Upload, Bookmarks) unless ``--optional-plugins``: Monitoring archives every message under a lock
per conversation, which holds both paths back at this rate. ``--jfr FILE`` records the server
during the REST->SSE part.

The client reports its own limits apart from the server's: the idle streams are held by a
separate process, so that their heartbeats do not share the measuring event loop; for the
measured phase it gives the CPU share (of one core) of the server's JVM, of the measuring
process and of the stream holder, how late sends left against their schedule (``send_lag``)
and how late a 5 ms ticker on the measuring loop woke up (``loop_lag``). A large lag or a
client near 100 % of a core means the client, not the server, set the figures.
Build first (gradle assemble). Prints a JSON summary as its last line. Traffic stays on
loopback; every loop is bounded in count and time.
"""
import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse

import aiohttp

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness.devhost import DevHost  # noqa: E402
from harness.openfire import LocalOpenfire  # noqa: E402
from sidebyside.plugins import remove_optional_plugins  # noqa: E402
from sidebyside.recording import start_jfr, stop_jfr  # noqa: E402


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


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def summary(latencies_ms, sent):
    return {"sent": sent, "received": len(latencies_ms),
            "p50_ms": round(percentile(latencies_ms, 0.50), 2) if latencies_ms else None,
            "p99_ms": round(percentile(latencies_ms, 0.99), 2) if latencies_ms else None,
            "max_ms": round(max(latencies_ms), 2) if latencies_ms else None}


async def open_stream(base, token, on_event=None, opened=None):
    """A raw SSE connection; calls on_event(name, data) per event until cancelled."""
    url = urllib.parse.urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(("GET /sparkweb/sse?token=%s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream"
                  "\r\n\r\n" % (token, url.netloc)).encode())
    await writer.drain()
    name, data = None, None
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("event: "):
                name = text[7:]
            elif text.startswith("data: "):
                data = text[6:]
            elif text == "" and name:
                if name == "onConnect" and opened is not None:
                    opened()
                if on_event is not None:
                    on_event(name, data)
                name, data = None, None
    finally:
        writer.close()


async def login(session, rest, username, password):
    async with session.post(rest + "/login/" + username, data=password) as response:
        return (await response.json())["token"]


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


async def ticker(lags, stop):
    """How late a 5 ms sleep on this event loop wakes up: the loop's own lag."""
    while not stop.is_set():
        due = time.monotonic() + 0.005
        await asyncio.sleep(0.005)
        lags.append((time.monotonic() - due) * 1000)


async def rest_to_sse_latency(base, users, rate, seconds, cpu=None):
    rest = base + "/sparkweb/api/rest"
    latencies, send_lags, loop_lags, stop = [], [], [], asyncio.Event()
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        alice = await login(session, rest, "alice", users["alice"])
        bob = await login(session, rest, "bob", users["bob"])

        def received(name, data):
            if name == "chatapi.chat":
                body = json.loads(data).get("body") or ""
                if body.startswith("bench "):
                    latencies.append((time.time() - float(body.split()[1])) * 1000)
        reader = asyncio.ensure_future(open_stream(base, bob, on_event=received))
        await asyncio.sleep(1)
        await send_at_rate(max(rate // 4, 1), 5, lambda: session.post(   # JIT warm-up
            rest + "/chat/message/bob", data="warm-up", headers={"Authorization": alice}))
        await asyncio.sleep(1)
        del latencies[:]
        watching = asyncio.ensure_future(ticker(loop_lags, stop))
        if cpu is not None:
            cpu.start()
        sent = await send_at_rate(rate, seconds, lambda: session.post(
            rest + "/chat/message/bob", data="bench %.6f" % time.time(),
            headers={"Authorization": alice}), send_lags)
        await asyncio.sleep(3)
        shares = cpu.stop() if cpu is not None else {}
        stop.set()
        await watching
        reader.cancel()
    result = summary(latencies, sent)
    result["cpu_percent_of_one_core"] = shares     # server, client, stream_holder
    client = {"send_lag_p99_ms": _ms(percentile(send_lags, 0.99)),
              "send_lag_max_ms": _ms(max(send_lags) if send_lags else None),
              "loop_lag_p99_ms": _ms(percentile(loop_lags, 0.99)),
              "loop_lag_max_ms": _ms(max(loop_lags) if loop_lags else None)}
    client["limited_by_client"] = bool((client["loop_lag_p99_ms"] or 0) > 10 or
                                       (client["send_lag_p99_ms"] or 0) > 10 or
                                       shares.get("client", 0) > 85)
    result["client_limits"] = client
    return result


def _ms(value):
    return None if value is None else round(value, 2)


async def send_at_rate(rate, seconds, make_request, lags=None):
    """Starts make_request() ``rate`` times a second for ``seconds``; returns how many.
    ``lags``: gets how late each send left against its schedule (ms)."""
    pending, sent = set(), 0
    started = time.time()
    total = int(rate * seconds)
    while sent < total and time.time() - started < seconds * 3:
        due = started + sent / float(rate)
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if lags is not None:
            lags.append((time.time() - due) * 1000)
        pending.add(asyncio.ensure_future(_drain(make_request())))
        sent += 1
        pending = set(task for task in pending if not task.done())
    await asyncio.gather(*pending, return_exceptions=True)
    return sent


async def _drain(request):
    async with request as response:
        await response.read()


def native_latency(target, rate, seconds):
    """The same load between two slixmpp clients through the same Openfire."""
    from harness.xmpp import XmppPeer
    sender = XmppPeer("alice@" + target.domain, target.users["alice"], target.xmpp_address,
                      resource="bench-sender")
    receiver = XmppPeer("carol@" + target.domain, target.users["carol"], target.xmpp_address,
                        resource="bench-receiver")
    latencies = []
    try:
        started, sent = time.time(), 0
        total = int(rate * seconds)
        while sent < total:
            due = started + sent / float(rate)
            if due > time.time():
                time.sleep(due - time.time())
            sender.send_message("carol@%s/bench-receiver" % target.domain,
                                "bench %.6f" % time.time())
            sent += 1
        deadline = time.time() + 5
        while len(latencies) < sent and time.time() < deadline:
            try:
                message = receiver.next_message(timeout=max(deadline - time.time(), 0.01))
            except AssertionError:
                break
            if message["body"].startswith("bench "):
                latencies.append((message["time"] - float(message["body"].split()[1])) * 1000)
    finally:
        sender.close()
        receiver.close()
    return summary(latencies, sent)


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
        if args.jfr:
            start_jfr(java_pid(process), args.jfr)
        result["rest_to_sse"] = asyncio.run(rest_to_sse_latency(
            target.base_url, target.users, args.rate, args.seconds, cpu))
        if args.jfr:
            stop_jfr(java_pid(process), args.jfr)
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
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--jfr", help="record a JFR profile of the server during the REST->SSE "
                                      "part (profile settings)")
    parser.add_argument("--optional-plugins", action="store_true",
                        help="keep Openfire's Monitoring, HTTP File Upload and Bookmarks plugins")
    args = parser.parse_args()
    if streams_per_user(args) > 1000:
        parser.error("at most 1,000 streams per user: raise --stream-users")
    users = ("alice", "bob", "carol") + tuple(stream_users(args))
    properties = {"sparkweb.sse.maxStreamsPerUser": str(max(streams_per_user(args), 1))}
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.target == "openfire":
        if not os.environ.get("OPENFIRE_HOME"):
            sys.exit("--target openfire needs OPENFIRE_HOME")
        server = BenchOpenfire(os.environ["OPENFIRE_HOME"], args.optional_plugins, users=users,
                               java_options="-Xmx" + args.heap, properties=properties)
    else:
        server = DevHost(jvm_options=["-Xmx" + args.heap], properties=properties, users=users)
    target = server.start()
    try:
        result = run(args, target, server.process)
        if args.target == "openfire":
            native = native_latency(target, args.rate, args.seconds)
            result["native_xmpp"] = native
            if native["p50_ms"] and result["rest_to_sse"]["p50_ms"]:
                result["ratio_p50"] = round(result["rest_to_sse"]["p50_ms"] / native["p50_ms"], 2)
                result["ratio_p99"] = round(result["rest_to_sse"]["p99_ms"] / native["p99_ms"], 2)
    finally:
        server.stop()
    result["machine"] = "%s, %d cores, %s" % (platform.platform(), os.cpu_count(),
                                             platform.python_version())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
