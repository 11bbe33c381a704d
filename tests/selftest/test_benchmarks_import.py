"""Every benchmark script loads: the benchmarks share helpers (sse_client, sidebyside), and no
test runs them, so a helper moved or removed would otherwise go unnoticed until someone
measures (review S10-R-1: two benchmarks imported functions sse_bench no longer had)."""
import glob
import importlib.util
import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
SCRIPTS = sorted(glob.glob(os.path.join(BENCH, "*_bench.py")))


def test_there_are_benchmarks_to_check():
    assert len(SCRIPTS) >= 8, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=os.path.basename)
def test_the_benchmark_loads(script, monkeypatch):
    pytest.importorskip("aiohttp", reason="the benchmarks' own packages (bench/requirements.txt) "
                                          "are not installed")
    monkeypatch.setattr(sys, "path", list(sys.path))     # scripts add bench/ and tests/
    spec = importlib.util.spec_from_file_location(
        "bench_" + os.path.basename(script)[:-3], script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)                     # main() runs only under __main__
    assert callable(getattr(module, "main", None)), "%s has no main()" % script
