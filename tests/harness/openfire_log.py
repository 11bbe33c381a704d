"""Reading a real Openfire's log for what SparkWeb caused.

Openfire's ``logs/openfire.log`` holds records of the form (log4j2.xml's pattern)
``2025.01.31 12:00:00.000 WARN  [thread]: logger.name - message``, each followed by the lines
of its stack trace, if any; ``%highlight`` may wrap the level in ANSI colours. The console log
holds the JVM's standard output and error, where an exception nobody caught is printed.
"""
import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RECORD_START = re.compile(
    r"^\d{4}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}\.\d{3} +([A-Z]+) *\[(.*?)\]: (\S+) - ")
PROBLEM_LEVELS = ("WARN", "ERROR", "FATAL")
SPARKWEB_LOGGER = "sparkweb."
# Uncaught in some thread, or printed by Jython: what the console log must never show.
CONSOLE_PROBLEMS = ("Traceback (most recent call last)", "Exception in thread")


class Record(object):
    def __init__(self, level, logger, text):
        self.level = level
        self.logger = logger
        self.text = text

    def __repr__(self):
        return self.text


def records(log_text):
    """The records of an openfire.log text, each with the lines that belong to it."""
    found = []
    for line in ANSI.sub("", log_text).splitlines():
        start = RECORD_START.match(line)
        if start:
            found.append(Record(start.group(1), start.group(3), line))
        elif found:
            found[-1].text += "\n" + line
    return found


def sparkweb_problems(log_text, console_text="", allowed=()):
    """What SparkWeb caused: every WARN or ERROR of SparkWeb's own loggers (``sparkweb.*``),
    every WARN or ERROR of another logger (Openfire, Jetty) whose record names SparkWeb, and
    console lines of uncaught exceptions; except records matching one of the ``allowed``
    regular expressions (for what a test provokes on purpose)."""
    allowed = [re.compile(pattern) for pattern in allowed]
    problems = [record.text for record in records(log_text)
                if record.level in PROBLEM_LEVELS and
                (record.logger.startswith(SPARKWEB_LOGGER) or
                 "sparkweb" in record.text.lower())]
    lines = ANSI.sub("", console_text).splitlines()
    problems += ["console: " + "\n".join(lines[index:index + 12])
                 for index, line in enumerate(lines)
                 if any(marker in line for marker in CONSOLE_PROBLEMS)]
    return [text for text in problems if not any(pattern.search(text) for pattern in allowed)]
