"""Plugin start-up benchmark on a real Openfire (DESIGN.md §8: start <= 3 s).

    OPENFIRE_HOME=/opt/openfire python3 bench/start_bench.py [--reloads 5]

Starts Openfire from OPENFIRE_HOME (a scratch copy, as the tests do) with the built jar, then
removes and re-installs the plugin ``--reloads`` times, and reads each "SparkWeb ... started in
N ms" line from Openfire's log: the first start (cold JVM) and the reloads (warm JVM) are
reported apart, with the machine's load average, since start-up is CPU-bound and a loaded
2-core machine doubles it. Prints a JSON summary as its last line. Build first.
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from harness.openfire import LocalOpenfire  # noqa: E402

START_LINE = re.compile(r"SparkWeb \S+ started in (\d+) ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("OPENFIRE_HOME"):
        sys.exit("OPENFIRE_HOME must name an unpacked Openfire 5.x distribution")
    server = LocalOpenfire(os.environ["OPENFIRE_HOME"])
    server.start()
    try:
        for _ in range(args.reloads):
            server.uninstall_plugin()
            server.wait_for_api(present=False, timeout=60)
            server.install_plugin()
            server.wait_for_api(present=True, timeout=120)
        server.wait_for_log("SparkWeb", 1)
        starts = [int(ms) for ms in START_LINE.findall(server.log_text())]
    finally:
        server.stop()
    reloads = starts[1:]
    result = {"first_start_ms": starts[0] if starts else None,
              "reload_median_ms": statistics.median(reloads) if reloads else None,
              "reload_min_ms": min(reloads) if reloads else None,
              "reloads": reloads, "target_ms": 3000, "load_average": os.getloadavg()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
