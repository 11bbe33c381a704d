"""The server JVM's own record of its stops, for telling a server stall from a client one.

``java_option(path)`` asks the JVM (unified logging; the safepoint lines parsed are JDK 13's
and later) to write its GC pauses and safepoints to ``path``, with wall-clock stamps, in one
file that is never rotated; ``pauses_between(path, start, end)`` sums what it recorded between
two ``time.time()`` values of the benchmark. A GC pause is also a safepoint: the safepoint
totals include the GC pauses, and are not to be added to them. Logging costs one line per
event, unlike a JFR recording, which at 10,000 open streams made the run itself fall behind.
"""
import datetime
import os
import re

STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})\+0000\]")
GC_PAUSE = re.compile(r"GC\(\d+\) (Pause [^(]*(?:\([^)]*\)\s*)*).*?(\d+\.\d+)ms$")
SAFEPOINT = re.compile(r'Safepoint "([^"]+)".*Reaching safepoint: (\d+) ns.*Total: (\d+) ns')


def java_option(path):
    return "-Xlog:gc,safepoint:file=%s:utctime,level,tags:filecount=0" % os.path.abspath(path)


def _seconds(stamp):
    moment = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f")
    return moment.replace(tzinfo=datetime.timezone.utc).timestamp()


def _events(path, start, end):
    with open(path, errors="replace") as log:
        for line in log:
            stamp = STAMP.match(line)
            if stamp and start <= _seconds(stamp.group(1)) <= end:
                yield line.rstrip("\n")


def pauses_between(path, start, end):
    """GC pauses and safepoints logged in [start, end] (epoch seconds): counts, totals, the
    longest, and the safepoint operations by total time."""
    gc, safepoints, by_operation = [], [], {}
    for line in _events(path, start, end):
        pause = GC_PAUSE.search(line)
        if pause and "[gc" in line:
            gc.append(float(pause.group(2)))
            continue
        safepoint = SAFEPOINT.search(line)
        if safepoint:
            total_ms = int(safepoint.group(3)) / 1e6
            safepoints.append((total_ms, int(safepoint.group(2)) / 1e6))
            operation = safepoint.group(1)
            by_operation[operation] = by_operation.get(operation, 0) + total_ms
    longest = max(safepoints) if safepoints else (0, 0)
    return {"window_s": round(end - start, 1),
            "gc_pauses": len(gc), "gc_pause_total_ms": round(sum(gc), 1),
            "gc_pause_max_ms": round(max(gc), 1) if gc else 0,
            "safepoints": len(safepoints),
            "safepoint_total_ms": round(sum(total for total, _ in safepoints), 1),
            "safepoint_max_ms": round(longest[0], 1),
            "safepoint_max_reaching_ms": round(max((reach for _, reach in safepoints),
                                                   default=0), 1),
            "safepoint_ms_by_operation": dict((operation, round(total, 1))
                                              for operation, total in by_operation.items())}
