"""The SSE benchmark's summary of the server JVM's GC log (bench/sidebyside/gclog.py) counts
the pauses and safepoints inside the measured window only, in the format JDK 17 writes."""
import calendar
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))

from sidebyside.gclog import java_option, pauses_between  # noqa: E402

LOG = (
    "[2026-12-03T10:12:55.530+0000][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause)"
    " 18M->3M(380M) 6.065ms\n"
    "[2026-12-03T10:12:55.531+0000][info][safepoint] Safepoint \"G1CollectForAllocation\", Time "
    "since last: 365157360 ns, Reaching safepoint: 3279 ns, Cleanup: 102053 ns, At safepoint: "
    "6128274 ns, Total: 6233606 ns\n"
    "[2026-12-03T10:13:00.100+0000][info][gc       ] GC(6) Pause Remark 21M->21M(77M) 4.135ms\n"
    "[2026-12-03T10:13:00.101+0000][info][safepoint] Safepoint \"G1PauseRemark\", Time since "
    "last: 1000 ns, Reaching safepoint: 2500000 ns, Cleanup: 10 ns, At safepoint: 4200000 ns, "
    "Total: 6700000 ns\n"
    "[2026-12-03T10:13:00.200+0000][info][gc,start ] GC(7) Pause Young (Concurrent Start) "
    "(G1 Humongous Allocation)\n"
    "[2026-12-03T10:13:00.230+0000][info][gc       ] GC(7) Pause Young (Concurrent Start) "
    "(G1 Humongous Allocation) 300M->120M(512M) 30.500ms\n"
    "[2026-12-03T10:13:09.000+0000][info][gc       ] GC(8) Pause Young (Normal) (G1 Evacuation "
    "Pause) 40M->10M(380M) 99.000ms\n")


def _log(tmp_path):
    path = tmp_path / "gc.log"
    path.write_text(LOG)
    return str(path)


def test_only_the_window_counts(tmp_path):
    start = calendar.timegm((2026, 12, 3, 10, 13, 0))    # the log's stamps are UTC
    summary = pauses_between(_log(tmp_path), start, start + 5)
    assert summary["gc_pauses"] == 2, summary            # the Remark and the 30.5 ms young one
    assert summary["gc_pause_total_ms"] == 34.6, summary
    assert summary["gc_pause_max_ms"] == 30.5, summary
    assert summary["safepoints"] == 1, summary
    assert summary["safepoint_max_ms"] == 6.7, summary
    assert summary["safepoint_max_reaching_ms"] == 2.5, summary
    assert summary["safepoint_ms_by_operation"] == {"G1PauseRemark": 6.7}, summary


def test_a_window_without_events_is_all_zero(tmp_path):
    start = calendar.timegm((2026, 12, 3, 11, 0, 0))
    summary = pauses_between(_log(tmp_path), start, start + 60)
    assert (summary["gc_pauses"], summary["safepoints"], summary["gc_pause_max_ms"]) == (0, 0, 0)


def test_the_option_writes_wall_clock_stamps_to_an_absolute_path():
    option = java_option("gc.log")
    assert option.startswith("-Xlog:gc,safepoint:file=/"), option
    assert option.endswith(":utctime,level,tags:filecount=0"), option
