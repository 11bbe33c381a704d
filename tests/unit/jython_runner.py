"""Runs SparkWeb's Jython unit tests inside Jython and prints one JSON line per event.

Usage (inside Jython): jython_runner.py MODULE [MODULE ...]
Each ``test_*`` function of each module is called with no arguments; a test passes when it
returns and fails when it raises anything: a Python exception, ``SystemExit``, or a Java
throwable (which Jython's ``except Exception`` does not catch).

Lines, each prefixed with its mark, for the pytest collector in conftest.py:
``JYTHON_TEST_MODULE`` {module, tests} before a module's tests run (tests: their names);
``JYTHON_TEST_RESULT`` {module, test, outcome, details, seconds} per test (outcome "passed",
"failed", or "skipped" when it raised unittest.SkipTest: details is then the reason), and once with
test ``<import>`` for a module that cannot be imported;
``JYTHON_TEST_END`` {modules: {module: tests run}, ran} when every module has run.
The collector checks these against each other and the runner's exit status, so a test that is
announced but never reported (the JVM died, a line was lost) fails the pytest run.
"""
from __future__ import print_function

import json
import sys
import time
import traceback
from unittest import SkipTest

from java.lang import Throwable

MODULE_MARK = "JYTHON_TEST_MODULE "
RESULT_MARK = "JYTHON_TEST_RESULT "
END_MARK = "JYTHON_TEST_END "
IMPORT_TEST = "<import>"


def run_module(name):
    """Runs the tests of module ``name``; the number of tests that ran."""
    try:
        module = __import__(name)
    except (BaseException, Throwable):
        emit(MODULE_MARK, {"module": name, "tests": []})
        report(name, IMPORT_TEST, "failed", traceback.format_exc(), 0.0)
        return 0
    tests = sorted((getattr(module, attr).__code__.co_firstlineno, attr)
                   for attr in dir(module)
                   if attr.startswith("test_") and callable(getattr(module, attr)))
    emit(MODULE_MARK, {"module": name, "tests": [attr for _, attr in tests]})
    for _, attr in tests:
        run_test(name, attr, getattr(module, attr))
    return len(tests)


def run_test(module_name, test_name, function):
    started = time.time()
    try:
        function()
    except SkipTest as skipped:          # a database or tool the test needs is not here
        report(module_name, test_name, "skipped", str(skipped), time.time() - started)
        return
    except (BaseException, Throwable):   # SystemExit and Java throwables fail the test too
        report(module_name, test_name, "failed", traceback.format_exc() + _java_stack(),
               time.time() - started)
        return
    report(module_name, test_name, "passed", "", time.time() - started)


def _java_stack():
    """The Java stack trace of the exception being handled, if it is a Java throwable:
    Jython's traceback shows only the Python frames."""
    error = sys.exc_info()[1]
    if not isinstance(error, Throwable):
        return ""
    from java.io import PrintWriter, StringWriter
    text = StringWriter()
    error.printStackTrace(PrintWriter(text))
    return "\nJava stack trace:\n" + text.toString()


def report(module, test, outcome, details, seconds):
    emit(RESULT_MARK, {"module": module, "test": test, "outcome": outcome,
                       "details": details, "seconds": seconds})


def emit(mark, record):
    # A line of its own even after a test's output that did not end with a newline.
    print("\n" + mark + json.dumps(record))
    sys.stdout.flush()


def main(module_names):
    ran = {}
    for module_name in module_names:
        ran[module_name] = run_module(module_name)
    emit(END_MARK, {"modules": ran, "ran": sum(ran.values())})


if __name__ == "__main__":
    main(sys.argv[1:])
