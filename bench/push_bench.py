"""Web Push benchmark: encrypted, signed pushes per second to a local push service.

    python3 bench/push_bench.py [--pushes 5000] [--subscriptions 20] [--threads 4] [--jfr FILE]

The local push service (tests/harness/push_service.py) runs in this process on loopback; it
checks the VAPID JWT and decrypts every 50th notification like a real push service and browser
would, and only counts the others (so that its own decryption does not limit the rate). SparkWeb's
push sender runs in Jython (bench/jython/push_rate.py) with webpush-java's aes128gcm encryption,
the VAPID header and the guarded outbound client, one new connection per push as in
production. Build first (gradle assemble). Prints a JSON summary as its last line and fails
unless every push (warm-up included) was sent and received.
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
        self.counted += 1
        if self.counted % SAMPLE_EVERY == 1:
            return PushService._handle(self, request)
        request.rfile.read(int(request.headers.get("Content-Length", 0)))
        self._answer(request, 201)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=5000)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--jfr", metavar="FILE",
                        help="record a Java Flight Recorder profile of the sender into FILE")
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
        service_cpu = resource.getrusage(resource.RUSAGE_SELF)
        output = subprocess.run(paths.jython_command(
            [paths.PYTHON_SOURCES], [os.path.join(HERE, "jython", "push_rate.py"), listing.name,
                                     str(args.pushes), str(args.threads)], jvm_options),
            capture_output=True, text=True, timeout=900)
        lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit("the sender did not report:\n" + output.stdout[-2000:] +
                             output.stderr[-2000:])
        result = json.loads(lines[-1])
        used = resource.getrusage(resource.RUSAGE_SELF)
        service_ms = ((used.ru_utime + used.ru_stime) -
                      (service_cpu.ru_utime + service_cpu.ru_stime)) * 1000 / max(service.counted, 1)
        # Wall-clock rates follow whatever else the machine runs; CPU per push does not. The
        # projection is what the cores would do with nothing else running (sender + service).
        per_push = result["sender_cpu_ms_per_push"] + service_ms
        result.update({"service_cpu_ms_per_push": round(service_ms, 3),
                       "projected_pushes_per_second_on_idle_cores": round(
                           1000.0 * (os.cpu_count() or 1) / per_push, 1),
                       "load_average": os.getloadavg()})
        verified = sum(s.deliveries.qsize() for s in subscriptions)
        problems = [p for s in subscriptions for p in s.problems]
        result.update({"received": service.counted, "verified_and_decrypted": verified,
                       "refused_by_service": problems[:3], "cpus": os.cpu_count()})
        print(json.dumps(result))
        sent = result["counts"]["sent"]
        if not sent == service.counted == result["total_pushes"]:
            raise SystemExit("FAILED: %d pushes, %d sent, %d received by the service"
                             % (result["total_pushes"], sent, service.counted))
    finally:
        os.unlink(listing.name)
        service.close()


if __name__ == "__main__":
    main()
