"""Web Push benchmark: encrypted, signed pushes per second to a local push service.

    python3 bench/push_bench.py [--pushes 5000] [--subscriptions 100] [--threads 4] [--jfr FILE]
    python3 bench/push_bench.py --compare main [--rounds 2]    # old (git ref) vs this tree

The local push service (tests/harness/push_service.py) runs in this process on loopback; it
checks the VAPID JWT and decrypts every 50th notification like a real push service and browser
would, and only counts the others (so that its own decryption does not limit the rate). SparkWeb's
push sender runs in Jython (bench/jython/push_rate.py) with webpush-java's aes128gcm encryption,
the VAPID header and the guarded outbound client as in production. The service speaks HTTP/1.1
and counts the connections the sender opened. Build first (gradle assemble). Prints a JSON
summary as its last line and fails unless every push (warm-up included) was sent, received and
accepted. With ``--compare REF`` the sender of git REF's sources runs alternately with this
tree's on the same service (same jar), and the last line holds both medians and the ratios.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from harness import paths  # noqa: E402
from harness.push_service import PushService  # noqa: E402

SAMPLE_EVERY = 50


class CountingPushService(PushService):
    """Answers every push 201; verifies and decrypts one in SAMPLE_EVERY fully."""

    def __init__(self):
        PushService.__init__(self)
        self.counted = 0

    def _handle(self, request):
        with self._lock:   # one handler thread per connection
            self.counted += 1
            sample = self.counted % SAMPLE_EVERY == 1
        if sample:
            return PushService._handle(self, request)
        request.rfile.read(int(request.headers.get("Content-Length", 0)))
        self._answer(request, 201)


def run_sender(python_path, args, service, subscriptions, listing, jvm_options):
    """One run of the Jython sender importing SparkWeb from ``python_path``: its JSON summary
    with the service's CPU per push and the connections it accepted."""
    for subscription in subscriptions:   # earlier runs' samples
        while not subscription.deliveries.empty():
            subscription.deliveries.get()
        del subscription.problems[:]
    received_before, connections_before = service.counted, service.connections
    service_cpu = resource.getrusage(resource.RUSAGE_SELF)
    output = subprocess.run(paths.jython_command(
        [python_path], [os.path.join(HERE, "jython", "push_rate.py"), listing,
                        str(args.pushes), str(args.threads)], jvm_options),
        capture_output=True, text=True, timeout=900)
    lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit("the sender did not report:\n" + output.stdout[-2000:] +
                         output.stderr[-2000:])
    result = json.loads(lines[-1])
    used = resource.getrusage(resource.RUSAGE_SELF)
    received = service.counted - received_before
    service_ms = ((used.ru_utime + used.ru_stime) -
                  (service_cpu.ru_utime + service_cpu.ru_stime)) * 1000 / max(received, 1)
    # Wall-clock rates follow whatever else the machine runs; CPU per push does not. The
    # projection is what the cores would do with nothing else running (sender + service).
    per_push = result["sender_cpu_ms_per_push"] + service_ms
    result.update({"service_cpu_ms_per_push": round(service_ms, 3),
                   "projected_pushes_per_second_on_idle_cores": round(
                       1000.0 * (os.cpu_count() or 1) / per_push, 1),
                   "load_average": os.getloadavg()})
    verified = sum(s.deliveries.qsize() for s in subscriptions)
    problems = [p for s in subscriptions for p in s.problems]
    result.update({"received": received, "verified_and_decrypted": verified,
                   "connections": service.connections - connections_before,
                   "refused_by_service": problems[:3], "cpus": os.cpu_count()})
    sent = result["counts"]["sent"]
    if not sent == received == result["total_pushes"] or problems:
        print(json.dumps(result))
        raise SystemExit("FAILED: %d pushes, %d sent, %d received by the service, refused: %s"
                         % (result["total_pushes"], sent, received, problems[:3]))
    return result


def sources_at(ref, directory):
    """SparkWeb's Python sources as of git ``ref``, unpacked into ``directory``."""
    archive = subprocess.run(["git", "-C", os.path.dirname(HERE), "archive", ref,
                              "src/main/python"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", directory], input=archive, check=True)
    return os.path.join(directory, "src", "main", "python")


def compared(runs):
    """Medians per variant and the ratios new/old."""
    def median(values):
        values = sorted(values)
        return values[len(values) // 2]
    summary = {}
    for name in ("old", "new"):
        mine = [r for variant, r in runs if variant == name]
        summary[name] = {key: median([r[key] for r in mine]) for key in (
            "pushes_per_second", "sender_cpu_ms_per_push", "service_cpu_ms_per_push",
            "projected_pushes_per_second_on_idle_cores", "connections")}
    summary["ratio_pushes_per_second"] = round(
        summary["new"]["pushes_per_second"] / summary["old"]["pushes_per_second"], 2)
    summary["ratio_sender_cpu_ms_per_push"] = round(
        summary["new"]["sender_cpu_ms_per_push"] / summary["old"]["sender_cpu_ms_per_push"], 3)
    return summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=5000)
    # Enough users that no lane overflows: a user's lane holds at most 100 waiting deliveries
    # (push.lanes), and the bench queues all pushes at once.
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--jfr", metavar="FILE",
                        help="record a Java Flight Recorder profile of the sender into FILE")
    parser.add_argument("--compare", metavar="GIT_REF",
                        help="also run the sender as of GIT_REF (e.g. main), alternating with "
                        "this tree's, and report both and the ratios")
    parser.add_argument("--rounds", type=int, default=2,
                        help="with --compare: runs of each, alternating")
    args = parser.parse_args()
    jvm_options = ["-Xmx512m"]
    if args.jfr:
        jvm_options.append("-XX:StartFlightRecording=settings=profile,filename=" + args.jfr)
    paths.require_build()
    service = CountingPushService()
    subscriptions = [service.subscription("bench%d" % n) for n in range(args.subscriptions)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as listing:
        json.dump([s.json() for s in subscriptions], listing)
    try:
        if not args.compare:
            print(json.dumps(run_sender(paths.PYTHON_SOURCES, args, service, subscriptions,
                                        listing.name, jvm_options)))
            return
        with tempfile.TemporaryDirectory() as old_tree:
            variants = {"old": sources_at(args.compare, old_tree), "new": paths.PYTHON_SOURCES}
            runs = []
            for _ in range(args.rounds):
                for name in ("old", "new"):
                    result = run_sender(variants[name], args, service, subscriptions,
                                        listing.name, jvm_options)
                    result["variant"] = name
                    print(json.dumps(result), flush=True)
                    runs.append((name, result))
        print(json.dumps(compared(runs)))
    finally:
        os.unlink(listing.name)
        service.close()


if __name__ == "__main__":
    main()
