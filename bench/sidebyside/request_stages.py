"""Where a REST request's CPU goes, by stage, from a JFR recording of the benchmark:

    python3 bench/sidebyside/request_stages.py recording.jfr [--from HH:MM:SS] [--to HH:MM:SS]
        [--requests N]

Takes the execution samples of Openfire's web threads (``Jetty-QTP-*``) within the window (the
side-by-side benchmark's JSON gives each throughput part's start, ``started_utc``) and gives
each sample to the stage of its innermost frame that is not Jython's runtime or the JDK (the
runtime works for the Python frame that called it): the four servlet filters, the Jython glue
that dispatches from Jersey to Python, Jersey, the pipeline, the token check, the handler, JSON,
the facade over Openfire, Jetty. With ``--requests`` (the part's request count) each stage is
also given in microseconds of CPU per request, from the samples' share of the part's CPU time:
JFR samples Java threads at a fixed period, so this is an estimate, not a measurement.

The recording needs deep stacks (the benchmark records with stackdepth=512): Jython's are deeper
than JFR's default 64 frames, and a cut stack loses exactly the outer frames (filters, Jetty).
"""
import argparse
import collections
import re
import subprocess

# (stage, frame prefixes), tried in order on each frame from the leaf outwards. Jython's
# proxies of SparkWeb's Java subclasses (the filters) are named org.python.proxies.sparkweb...
STAGES = [
    ("filter: request gate (app.RequestGate)",
     ("sparkweb.http.app$py.doFilter", "org.python.proxies.sparkweb.http.app$RequestGate")),
    ("filter: security headers", ("sparkweb.http.headers$py",
                                  "org.python.proxies.sparkweb.http.headers$")),
    ("filter: CORS + client address", ("sparkweb.http.cors$py", "sparkweb.http.client_address$py",
                                       "org.python.proxies.sparkweb.http.cors$")),
    ("filter: body reader", ("sparkweb.http.body_reader$py",
                             "org.python.proxies.sparkweb.http.body_reader$")),
    ("Jersey -> Python glue (inflector, _Handler)",
     ("org.igniterealtime.openfire.plugin.sparkweb.PythonInflector",
      "org.python.proxies.sparkweb.http.app$_Handler")),
    ("token check (auth)", ("sparkweb.auth.",)),
    ("JSON encoding", ("json.encoder$py", "sparkweb.jsontext$py", "org.python.modules._json")),
    ("handler (api)", ("sparkweb.api.",)),
    ("sessions", ("sparkweb.session.",)),
    ("facade over Openfire", ("sparkweb.openfire.",)),
    ("pipeline (routing, request, response, errors)", ("sparkweb.http.routing$py",
                                                       "sparkweb.http.request$py",
                                                       "sparkweb.http.response$py",
                                                       "sparkweb.errors$py",
                                                       "sparkweb.cluster.")),
    ("other SparkWeb Python", ("sparkweb.",)),
    ("Jersey", ("org.glassfish.", "org.jvnet.hk2")),
    ("Openfire", ("org.jivesoftware.", "org.xmpp.")),
    ("Jetty", ("org.eclipse.jetty.",)),
]
RUNTIME = ("org.python.", "java.", "jdk.", "sun.", "javax.")
FRAME = re.compile(r"^\s+([\w.$<>]+)\(", re.M)


def stage_of(frames):
    for frame in frames:
        for stage, markers in STAGES:
            if any(frame.startswith(marker) for marker in markers):
                return stage
        if not frame.startswith(RUNTIME):
            return "other: " + frame.rsplit(".", 1)[0]
    return "runtime only (no caller frame)"


def samples(recording, start, end):
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth",
                           "512", recording], capture_output=True, text=True, check=True,
                          timeout=900).stdout
    for event in text.split("jdk.ExecutionSample {")[1:]:
        thread = re.search(r'sampledThread = "([^"]*)"', event)
        if not thread or not thread.group(1).startswith("Jetty-QTP"):
            continue
        when = re.search(r"startTime = (\d\d:\d\d:\d\d)", event).group(1)
        if (start and when < start) or (end and when >= end):
            continue
        yield FRAME.findall(event)


def jvm_cpu_seconds(recording, start, end, cores):
    """The JVM's CPU time in the window from jdk.CPULoad (one event a second)."""
    text = subprocess.run(["jfr", "print", "--events", "jdk.CPULoad", recording],
                          capture_output=True, text=True, check=True, timeout=300).stdout
    seconds = 0.0
    for event in text.split("jdk.CPULoad {")[1:]:
        when = re.search(r"startTime = (\d\d:\d\d:\d\d)", event).group(1)
        if (start and when < start) or (end and when >= end):
            continue
        user = float(re.search(r"jvmUser = ([\d.]+)%", event).group(1))
        system = float(re.search(r"jvmSystem = ([\d.]+)%", event).group(1))
        seconds += (user + system) / 100.0 * cores
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording")
    parser.add_argument("--from", dest="start", help="HH:MM:SS (UTC, as JFR prints)")
    parser.add_argument("--to", dest="end", help="HH:MM:SS, exclusive")
    parser.add_argument("--requests", type=int, help="requests answered in the window")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    counts, total = collections.Counter(), 0
    for frames in samples(args.recording, args.start, args.end):
        counts[stage_of(frames)] += 1
        total += 1
    print("Web-thread samples %s-%s: %d" % (args.start, args.end, total))
    per_request = None
    if args.requests:
        cpu_seconds = jvm_cpu_seconds(args.recording, args.start, args.end, args.cores)
        per_request = cpu_seconds * 1e6 / args.requests
        print("Openfire's JVM CPU per request: %.0f us (%.1f CPU s / %d requests; includes GC "
              "and JIT threads, whose share is not split among the stages)" % (
                  per_request, cpu_seconds, args.requests))
    for stage, count in counts.most_common():
        share = float(count) / max(total, 1)
        extra = "  %6.1f us" % (share * per_request) if per_request else ""
        print("  %5.1f%%%s  %s" % (100 * share, extra, stage))


if __name__ == "__main__":
    main()
