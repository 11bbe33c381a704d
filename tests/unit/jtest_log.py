"""Faults are logged once with their traceback, and repeats only counted: the helper in
sparkweb.log, and the housekeeping tasks of the plugin that use it."""
from __future__ import absolute_import

from java.io import ByteArrayOutputStream, PrintStream
from java.lang import IllegalStateException, System

from sparkweb import plugin
from sparkweb.log import RepeatedFailures, log_failure
from support import Clock


class Recorder(object):
    """Stands in for an SLF4J logger."""

    def __init__(self):
        self.lines = []

    def warn(self, text):
        self.lines.append(("warn", text))

    def info(self, text):
        self.lines.append(("info", text))


def test_repeats_are_counted_and_summarised_once_per_interval():
    log, clock = Recorder(), Clock()
    failures = RepeatedFailures(log, "expiry", interval_seconds=60, clock=clock)
    for _ in range(100):
        try:
            raise IllegalStateException("the database is down")
        except IllegalStateException:
            failures.failed()
        clock.advance(0.5)   # 50 s in all: within the interval
    assert len(log.lines) == 1, "repeats were logged: %d lines" % len(log.lines)
    level, text = log.lines[0]
    assert level == "warn" and "expiry failed" in text, log.lines[0]
    assert "Traceback (most recent call last)" in text, "no Python traceback: %s" % text
    assert "Java stack trace" in text and "the database is down" in text, \
        "no Java stack trace: %s" % text
    clock.advance(11)
    try:
        raise IllegalStateException("the database is down")
    except IllegalStateException:
        failures.failed()
    assert len(log.lines) == 2, log.lines
    assert "failed 100 more times in the last 60 s" in log.lines[1][1], log.lines[1]
    assert "Traceback" not in log.lines[1][1], "the summary repeats the traceback"


def test_a_new_kind_of_failure_gets_its_own_traceback_and_success_is_reported_once():
    log, clock = Recorder(), Clock()
    failures = RepeatedFailures(log, "heartbeat", interval_seconds=60, clock=clock)
    for message in ("first", "first", "second"):
        try:
            raise ValueError(message)
        except ValueError:
            failures.failed()
    assert [level for level, _ in log.lines] == ["warn", "warn"], log.lines
    assert "ValueError: second" in log.lines[1][1], log.lines[1]
    failures.succeeded()
    failures.succeeded()
    assert len(log.lines) == 3 and log.lines[2][0] == "info", log.lines
    assert "heartbeat works again (1 failures" in log.lines[2][1], log.lines[2]


def test_log_failure_adds_the_traceback():
    log = Recorder()
    try:
        {}["missing"]
    except KeyError:
        log_failure(log, "A shutdown step failed.")
    assert log.lines[0][1].startswith("A shutdown step failed.\n"), log.lines
    assert "KeyError" in log.lines[0][1] and "Traceback" in log.lines[0][1], log.lines


def captured_standard_error(action):
    """What SLF4J (slf4j-simple writes to System.err) printed during ``action()``."""
    buffer = ByteArrayOutputStream()
    original = System.err
    System.setErr(PrintStream(buffer, True, "UTF-8"))
    try:
        action()
    finally:
        System.setErr(original)
    return buffer.toString("UTF-8")


def test_a_failing_housekeeping_task_logs_its_traceback_once_not_every_second():
    def expire():
        raise IllegalStateException("deliberate housekeeping failure")
    task = plugin._Task(expire)

    def run_fifty_times():
        for _ in range(50):
            task.run()
    printed = captured_standard_error(run_fifty_times)
    warnings = [line for line in printed.splitlines() if "WARN" in line]
    assert len(warnings) == 1, "%d warnings for 50 failed runs:\n%s" % (len(warnings),
                                                                      printed[:2000])
    assert "Traceback (most recent call last)" in printed, "no traceback:\n" + printed[:2000]
    assert "deliberate housekeeping failure" in printed, printed[:2000]


class _BrokenRequest(object):
    def getSession(self):
        raise IllegalStateException("deliberate settings page failure")


class _Response(object):
    def __init__(self):
        self.errors = []

    def sendError(self, status):
        self.errors.append(status)


def test_a_failing_settings_page_logs_its_traceback():
    from sparkweb.admin.servlet import AdminHandler
    handler, response = AdminHandler(None, lambda: None), _Response()
    printed = captured_standard_error(lambda: handler.handle(_BrokenRequest(), response))
    assert response.errors == [500], response.errors
    assert "deliberate settings page failure" in printed, printed[:2000]
    assert "Traceback (most recent call last)" in printed and "Java stack trace" in printed, \
        "the settings page's failure is logged without its traceback:\n" + printed[:2000]
