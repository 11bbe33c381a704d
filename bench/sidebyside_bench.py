"""SparkWeb side by side with the peers an administrator would compare it with, in one run.

    OPENFIRE_HOME=/work/openfire/5.1.1 python3 bench/sidebyside_bench.py
        [--rates 500] [--seconds 10] [--throughput-seconds 10] [--connections 16]
        [--warm-up-window 40] [--heap 1g] [--jfr FILE] [--json FILE]
        [--warm-up-delay S] [--warm-up-only] [--jfr-from-start FILE]

Starts, on loopback only, a scratch Openfire (tests/harness) with the built sparkweb.jar and a
benchmark-only ceiling plugin (bench/sidebyside/java/ceiling, compiled here, never shipped),
and ejabberd (Debian's package) with a generated configuration and spool directory. Then:

1. Warm-up: from the moment SparkWeb's API answers (or ``--warm-up-delay`` s later: clients
   that come back a little after a restart), GET /user at ``--connections`` for
   ``--warm-up-window`` s in 1 s buckets: the time to 90 % of peak throughput, counted from
   the API's first answer. ``--warm-up-only`` stops after this part (the peak is then the
   curve's best 3 s).
2. Latency at each of ``--rates`` (messages/s, ``--seconds`` each, after 3 s unmeasured):
   SparkWeb REST->SSE, SparkWeb REST->XMPP client, Openfire's native client->client,
   ejabberd's mod_http_api send_message->client, ejabberd's native client->client.
3. Throughput at ``--connections`` closed-loop connections (Java generator,
   bench/sidebyside/java/Hammer.java): authenticated POST /chat/message (recipient's stream
   open) vs ejabberd send_message (recipient connected); GET /user vs the plain servlet.

Prints a table of figures and ratios (with the load average during each part; on a shared
machine only ratios from the same run mean anything) and a JSON line last. The generator
reports its own limits: send lag and event-loop lag for latency, its CPU share for throughput.
Nothing is installed: what is missing is said, and the rows that need it are left out.
Every phase is bounded in time.
"""
import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
from harness import paths  # noqa: E402
from harness.openfire import LocalOpenfire, free_port  # noqa: E402
from sidebyside import ejabberd as ejabberd_peer, java_parts, peers, report  # noqa: E402
from sidebyside.latency import Run, measure  # noqa: E402
from sidebyside.plugins import remove_optional_plugins  # noqa: E402
from sidebyside.recording import start_jfr, stop_jfr  # noqa: E402

USERS = ("alice", "bob", "carol", "dave")
JFR_STACK_DEPTH = 512




class BenchOpenfire(LocalOpenfire):
    """The harness's scratch Openfire, plus the ceiling plugin in its plugins directory, and
    without Openfire's optional plugins unless asked (sidebyside.plugins)."""

    def __init__(self, source_home, ceiling_jar, java_options, optional_plugins=False):
        LocalOpenfire.__init__(self, source_home, users=USERS, java_options=java_options,
                               properties={})
        self.ceiling_jar = ceiling_jar
        self.optional_plugins = optional_plugins
        self.domain = None

    def prepare(self):
        LocalOpenfire.prepare(self)
        import shutil
        plugins = os.path.join(self.home, "plugins")
        shutil.copyfile(self.ceiling_jar, os.path.join(plugins, "benchceiling.jar"))
        if not self.optional_plugins:
            remove_optional_plugins(self.home)


def load_average():
    return [round(value, 2) for value in os.getloadavg()]


def missing_basics():
    problems = []
    home = os.environ.get("OPENFIRE_HOME")
    if not home or not os.path.isfile(os.path.join(home, "lib", "startup.jar")):
        problems.append("OPENFIRE_HOME must name an unpacked Openfire 5.x (e.g. "
                        "/work/openfire/5.1.1)")
    if not os.path.exists(paths.PLUGIN_JAR):
        problems.append("build/sparkweb.jar is missing: run `gradle assemble` first")
    java = java_parts.missing()
    if java:
        problems.append(java)
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        problems.append("aiohttp is missing: pip install -r bench/requirements.txt")
    return problems


def warm_up_curve(openfire, classes, token, api_up_at, window, connections):
    started = time.monotonic()
    result = java_parts.hammer(classes, "127.0.0.1", openfire.ports["http"], "GET",
                               "/sparkweb/api/rest/user", connections, window, 1000,
                               headers=["Authorization: " + token])
    result["offset_s"] = round(started - api_up_at, 2)
    return result


def time_to_90(curve, peak):
    """Seconds from the API's first answer to the end of the first 1 s bucket at >= 90 % of
    ``peak``; None when no bucket got there within the window."""
    for index, count in enumerate(curve["buckets"]):
        if count >= 0.9 * peak:
            return round(curve["offset_s"] + index + 1, 1)
    return None


def steady_peak(curve):
    buckets = curve["buckets"][:-1]   # the last bucket is partial
    if len(buckets) < 3:
        return max(buckets or [0])
    return max(sum(buckets[i:i + 3]) / 3.0 for i in range(len(buckets) - 2))


def plugin_start_ms(openfire):
    found = re.findall(r"SparkWeb \S+ started in (\d+) ms", openfire.log_text())
    return int(found[0]) if found else None


async def latency_rows(openfire, tokens, ejabberd, rates, seconds):
    rows = []
    for rate in rates:
        paths_here = [("SparkWeb REST -> SSE", lambda run: peers.sparkweb_to_sse(
                           openfire, tokens, run)),
                      ("SparkWeb REST -> XMPP client", lambda run: peers.sparkweb_to_xmpp(
                           openfire, tokens, run)),
                      ("Openfire native client -> client", lambda run: peers.openfire_native(
                           openfire, tokens, run))]
        if ejabberd is not None:
            paths_here += [("ejabberd send_message -> client",
                            lambda run: peers.ejabberd_api(ejabberd, run)),
                           ("ejabberd native client -> client",
                            lambda run: peers.ejabberd_native(ejabberd, run))]
        for name, path in paths_here:
            run = Run()
            load_before = load_average()
            try:
                async with path(run) as send:
                    row = await asyncio.wait_for(measure(send, run, rate, seconds),
                                                 seconds * 4 + 60)
                    statuses = getattr(send, "statuses", None)
                    if statuses is not None:
                        row["answers"] = dict(statuses)
            except Exception as failure:        # one broken path must not hide the others
                row = {"rate": rate, "error": "%s: %s" % (type(failure).__name__, failure)}
            row.update(name=name, load_average=load_before)
            rows.append(row)
            print("  %s @ %d/s: %s" % (name, rate, json.dumps(row)), flush=True)
    return rows


def throughput_rows(openfire, tokens, ejabberd, classes, seconds, connections):
    http = openfire.ports["http"]
    runs = [("SparkWeb POST /chat/message (authenticated)", lambda: java_parts.hammer(
                classes, "127.0.0.1", http, "POST", "/sparkweb/api/rest/chat/message/bob",
                connections, seconds, headers=["Authorization: " + tokens["alice"],
                                               "Content-Type: text/plain"],
                body="throughput", sse="/sparkweb/sse?token=" + tokens["bob"]))]
    if ejabberd is not None:
        body = json.dumps({"type": "chat", "from": "alice@" + ejabberd_peer.DOMAIN,
                           "to": "carol@" + ejabberd_peer.DOMAIN, "subject": "",
                           "body": "throughput"})
        runs.append(("ejabberd POST /api/send_message", lambda: java_parts.hammer(
            classes, "127.0.0.1", ejabberd.ports["http"], "POST", "/api/send_message",
            connections, seconds, headers=["Content-Type: application/json"], body=body,
            xmpp="%d,%s,carol,%s" % (ejabberd.ports["c2s"], ejabberd_peer.DOMAIN,
                                    ejabberd.users["carol"]))))
    runs += [("SparkWeb GET /user (authenticated)", lambda: java_parts.hammer(
                 classes, "127.0.0.1", http, "GET", "/sparkweb/api/rest/user", connections,
                 seconds, headers=["Authorization: " + tokens["alice"]])),
             ("plain servlet GET /user (same Jetty, no token)", lambda: java_parts.hammer(
                 classes, "127.0.0.1", http, "GET", "/bench-ceiling/user?username=alice",
                 connections, seconds))]
    rows = []
    for name, go in runs:
        load_before = load_average()
        started_utc = time.strftime("%H:%M:%S", time.gmtime())
        try:
            row = go()
            row.pop("buckets", None)
        except Exception as failure:
            row = {"error": "%s: %s" % (type(failure).__name__, failure)}
        row.update(name=name, load_average=load_before, started_utc=started_utc)
        rows.append(row)
        print("  %s: %s" % (name, json.dumps(row)), flush=True)
    return rows


def same_json(openfire, token):
    """Whether the ceiling answers what GET /user answers (the comparison is fair)."""
    import httpx
    mine = httpx.get(openfire.base_url + "/sparkweb/api/rest/user",
                     headers={"Authorization": token}, timeout=30).json()
    ceiling = httpx.get(openfire.base_url + "/bench-ceiling/user?username=alice",
                        timeout=30).json()
    return mine == ceiling, mine, ceiling


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="500", help="comma-separated messages/s")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--throughput-seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warm-up-window", type=float, default=40)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--jfr", help="record a JFR profile of Openfire during parts 2-3")
    parser.add_argument("--json", help="also write the JSON summary to this file")
    parser.add_argument("--warm-up-delay", type=float, default=0,
                        help="start the warm-up curve this many seconds after the API's first "
                             "answer (clients that come back a little after a restart); the "
                             "time to 90%% is still counted from that first answer")
    parser.add_argument("--warm-up-only", action="store_true",
                        help="only part 1 (no ejabberd, latency or throughput): the peak is "
                             "then the curve's best 3 s, so give it a window long enough")
    parser.add_argument("--jfr-from-start", metavar="FILE",
                        help="record a JFR profile of Openfire from its JVM's start (what is "
                             "cold: compilations, deoptimisations, CPU by thread)")
    parser.add_argument("--optional-plugins", action="store_true",
                        help="keep Openfire's Monitoring, HTTP File Upload and Bookmarks plugins")
    args = parser.parse_args()
    problems = missing_basics()
    if problems:
        sys.exit("Cannot run the benchmark:\n- " + "\n- ".join(problems))
    rates = [int(rate) for rate in args.rates.split(",")]
    ejabberd_missing = ejabberd_peer.missing()
    if ejabberd_missing:
        print("NOTE: %s; its rows are left out." % ejabberd_missing, flush=True)
    result = {"load_average_start": load_average(), "rates": rates,
              "ejabberd": ejabberd_missing or "23.x (Debian)"}
    classes, ceiling_jar = java_parts.build(paths.WORK, os.environ["OPENFIRE_HOME"])
    java_options = "-Xmx" + args.heap
    if args.jfr or args.jfr_from_start:   # Jython's stacks are deeper than JFR's default 64
        java_options += " -XX:FlightRecorderOptions:stackdepth=%d" % JFR_STACK_DEPTH
    if args.jfr_from_start:
        java_options += " -XX:StartFlightRecording=settings=profile,filename=" + \
            os.path.abspath(args.jfr_from_start)
    openfire = BenchOpenfire(os.environ["OPENFIRE_HOME"], ceiling_jar, java_options,
                             args.optional_plugins)
    result["openfire_optional_plugins"] = bool(args.optional_plugins)
    ejabberd = None
    try:
        print("Starting Openfire ...", flush=True)
        target = openfire.start()
        api_up_at = time.monotonic()
        openfire.domain = target.domain
        tokens = dict((name, target.login(name)) for name in ("alice", "bob"))
        print("Warm-up curve (GET /user, %d connections, %g s) ..." % (
            args.connections, args.warm_up_window), flush=True)
        idle = args.warm_up_delay - (time.monotonic() - api_up_at)
        if idle > 0:
            time.sleep(idle)
        result["warm_up_delay_s"] = args.warm_up_delay
        result["load_average_warm_up"] = load_average()
        curve = warm_up_curve(openfire, classes, tokens["alice"], api_up_at,
                              args.warm_up_window, args.connections)
        result["plugin_start_ms"] = plugin_start_ms(openfire)
        fair, mine, ceiling = same_json(openfire, tokens["alice"])
        result["ceiling_same_json"] = fair
        if not fair:
            result["ceiling_differs"] = {"sparkweb": mine, "ceiling": ceiling}
        if args.warm_up_only:
            result["warm_up"] = warm_up_summary(curve, steady_peak(curve),
                                                args.warm_up_window)
            if args.jfr_from_start:
                stop_jfr(openfire.process.pid, args.jfr_from_start, "1")
            return finish(result, args.json)
        if not ejabberd_missing:
            print("Starting ejabberd ...", flush=True)
            ports = {"c2s": free_port(), "http": free_port()}
            ejabberd = ejabberd_peer.Ejabberd(ports, dict(
                (name, password) for name, password in openfire.users.items()
                if name in USERS), paths.WORK).start()
        if args.jfr:
            start_jfr(openfire.process.pid, args.jfr)
        print("Latency ...", flush=True)
        result["latency"] = asyncio.run(latency_rows(openfire, tokens, ejabberd, rates,
                                                     args.seconds))
        print("Throughput ...", flush=True)
        result["throughput"] = throughput_rows(openfire, tokens, ejabberd, classes,
                                               args.throughput_seconds, args.connections)
        if args.jfr:
            stop_jfr(openfire.process.pid, args.jfr)
            result["jfr"] = os.path.abspath(args.jfr)
        get_user = [row for row in result["throughput"] if row["name"].startswith(
            "SparkWeb GET /user")]
        steady = float(get_user[0].get("per_second") or 0) if get_user else 0
        peak = max(steady_peak(curve), steady)
        result["warm_up"] = warm_up_summary(curve, peak, args.warm_up_window)
    finally:
        if ejabberd is not None:
            ejabberd.stop()
        openfire.stop()
    finish(result, args.json)


def warm_up_summary(curve, peak, window):
    return {"offset_s": curve["offset_s"], "buckets": curve["buckets"],
            "peak_per_second": round(peak, 1), "seconds_to_90_percent": time_to_90(curve, peak),
            "window_s": window}


def finish(result, json_file):
    result["load_average_end"] = load_average()
    print(report.table(result))
    text = json.dumps(result)
    if json_file:
        with open(json_file, "w") as out:
            out.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
