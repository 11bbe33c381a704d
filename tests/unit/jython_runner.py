"""Runs SparkWeb's Jython unit tests inside Jython and prints one JSON line per test.

Usage (inside Jython): jython_runner.py MODULE [MODULE ...]
Each ``test_*`` function of each module is called with no arguments; a test passes when it
returns, fails when it raises. The pytest collector in conftest.py turns the lines into items.
"""
from __future__ import print_function

import json
import sys
import time
import traceback

MARK = "JYTHON_TEST_RESULT "


def run_module(name):
    try:
        module = __import__(name)
    except Exception:
        report(name, "<import>", "failed", traceback.format_exc(), 0.0)
        return
    tests = sorted((getattr(module, attr).__code__.co_firstlineno, attr)
                   for attr in dir(module)
                   if attr.startswith("test_") and callable(getattr(module, attr)))
    for _, attr in tests:
        started = time.time()
        try:
            getattr(module, attr)()
            report(name, attr, "passed", "", time.time() - started)
        except Exception:
            report(name, attr, "failed", traceback.format_exc(), time.time() - started)


def report(module, test, outcome, details, seconds):
    line = json.dumps({"module": module, "test": test, "outcome": outcome,
                       "details": details, "seconds": seconds})
    print(MARK + line)
    sys.stdout.flush()


if __name__ == "__main__":
    for module_name in sys.argv[1:]:
        run_module(module_name)
