"""The real-Openfire log check (harness.openfire_log) sees what SparkWeb caused: WARN lines of
its loggers too, errors of other loggers that name it, uncaught exceptions on the console;
and lets through only what a test declared it provokes on purpose."""
from harness.openfire_log import records, sparkweb_problems

LOG = (
    "2026.01.31 12:00:00.000 \x1b[32mINFO \x1b[m [main]: sparkweb.plugin - SparkWeb 0.2.0 "
    "started in 900 ms\n"
    "2026.01.31 12:00:01.000 \x1b[33mWARN \x1b[m [sparkweb-timer]: sparkweb.plugin - SparkWeb "
    "housekeeping failed\n"
    "Traceback (most recent call last):\n"
    "  File \"plugin.py\", line 1, in run\n"
    "2026.01.31 12:00:02.000 WARN  [pool-1]: org.jivesoftware.openfire.Other - unrelated\n"
    "2026.01.31 12:00:03.000 ERROR [PluginMonitorExec-1]: org.jivesoftware.openfire.container."
    "PluginManager - An exception occurred while loading plugin 'sparkweb':\n"
    "org.python.core.PyException: RuntimeError: deliberate failure\n"
    "2026.01.31 12:00:04.000 INFO  [main]: sparkweb.xmpp - fine\n")


def test_records_keep_their_stack_trace_lines_and_lose_the_colours():
    found = records(LOG)
    assert [record.level for record in found] == ["INFO", "WARN", "WARN", "ERROR", "INFO"], found
    assert found[1].logger == "sparkweb.plugin", found[1].logger
    assert "line 1, in run" in found[1].text, "stack lines not kept with their record"


def test_warnings_of_sparkweb_loggers_count():
    problems = sparkweb_problems(LOG)
    assert any("housekeeping failed" in text for text in problems), problems


def test_errors_of_other_loggers_naming_sparkweb_count_and_others_do_not():
    problems = sparkweb_problems(LOG)
    assert any("loading plugin 'sparkweb'" in text for text in problems), problems
    assert not any("unrelated" in text or "fine" in text for text in problems), problems
    assert len(problems) == 2, problems


def test_uncaught_exceptions_on_the_console_count():
    console = "Exception in thread \"sparkweb-timer\" java.lang.NullPointerException\n\tat x\n"
    problems = sparkweb_problems("", console)
    assert len(problems) == 1 and "NullPointerException" in problems[0], problems


def test_only_what_is_allowed_on_purpose_is_let_through():
    problems = sparkweb_problems(LOG, allowed=["deliberate failure"])
    assert len(problems) == 1 and "housekeeping failed" in problems[0], problems
