"""Collects ``jtest_*.py`` (Jython unit tests of src/main/python) as pytest items.

CPython cannot import SparkWeb's modules (they use Java classes), so the modules run in one
Jython process per session (see jython_runner.py); each of their ``test_*`` functions becomes a
pytest item that passes or fails with the outcome Jython reported.

No test may get lost on the way: the runner announces each module's tests before running them
and counts what it ran at the end. Where a module's announced tests, its reported results, the
``test_*`` functions written in its file, the runner's final count or the runner's exit status
disagree, a failing ``runner_check`` item says so (see :func:`module_problems`).
"""
import json
import os
import re
import subprocess

import pytest

from harness import paths, postgres

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_MARK = "JYTHON_TEST_MODULE "
RESULT_MARK = "JYTHON_TEST_RESULT "
END_MARK = "JYTHON_TEST_END "
IMPORT_TEST = "<import>"
TIMEOUT_SECONDS = 600
RUN_KEY = pytest.StashKey()
RUN_CHECKED_KEY = pytest.StashKey()
DEFINED_TEST = re.compile(r"^def (test_\w+)\s*\(", re.MULTILINE)


def _is_jython_test(path):
    return path.name.startswith("jtest_") and path.suffix == ".py"


def pytest_collect_file(parent, file_path):
    # A file named on the command line goes through pytest_pycollect_makemodule instead.
    if _is_jython_test(file_path) and not parent.session.isinitpath(file_path):
        return JythonModule.from_parent(parent, path=file_path)
    return None


def pytest_pycollect_makemodule(module_path, parent):
    if _is_jython_test(module_path):
        return JythonModule.from_parent(parent, path=module_path)
    return None


class RunnerOutput(object):
    """What one Jython run reported: per module the announced tests and the results."""

    def __init__(self, stdout, stderr, status):
        self.status = status            # the exit status; None when it ran out of time
        self.stderr = stderr
        self.announced = {}             # module -> [test names], in the order they run
        self.results = {}               # module -> [result, ...]
        self.end = None                 # the runner's final count, if it got that far
        for line in stdout.splitlines():
            if line.startswith(MODULE_MARK):
                record = json.loads(line[len(MODULE_MARK):])
                self.announced[record["module"]] = record["tests"]
            elif line.startswith(RESULT_MARK):
                record = json.loads(line[len(RESULT_MARK):])
                self.results.setdefault(record["module"], []).append(record)
            elif line.startswith(END_MARK):
                self.end = json.loads(line[len(END_MARK):])
        self.stdout_tail = stdout[-3000:]

    def run_problems(self):
        """What is wrong with the run as a whole."""
        problems = []
        if self.status is None:
            problems.append("the Jython runner did not finish within %d s" % TIMEOUT_SECONDS)
        elif self.status != 0:
            problems.append("the Jython runner ended with exit status %s" % self.status)
        if self.end is None:
            problems.append("the Jython runner never reported its final count")
        else:
            reported = sum(len(tests) for tests in self.announced.values())
            if self.end["ran"] != reported:
                problems.append("the runner counted %s tests, but announced %d"
                                % (self.end["ran"], reported))
        return problems

    def describe(self, problems):
        return "\n".join(["- " + problem for problem in problems] + [
            "", "runner exit status: %s" % self.status,
            "runner stdout (end):", self.stdout_tail, "runner stderr (end):", self.stderr[-3000:]])


def run_suite(config):
    """Runs every jtest module once per session; a :class:`RunnerOutput`."""
    if RUN_KEY in config.stash:
        return config.stash[RUN_KEY]
    paths.require_build()
    modules = sorted(name[:-3] for name in os.listdir(HERE)
                     if name.startswith("jtest_") and name.endswith(".py"))
    command = paths.jython_command([paths.PYTHON_SOURCES, HERE],
                                   [os.path.join(HERE, "jython_runner.py")] + modules)
    server, environment = _postgresql_for_the_run(modules)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                              cwd=HERE, env=environment)
        output = RunnerOutput(done.stdout, done.stderr, done.returncode)
    except subprocess.TimeoutExpired as timeout:
        output = RunnerOutput(_text(timeout.stdout), _text(timeout.stderr), None)
    finally:
        if server is not None:
            server.stop()
    config.stash[RUN_KEY] = output
    return output


def _postgresql_for_the_run(modules):
    """The scratch PostgreSQL server the SQL tests (the modules importing databases.py) use,
    and the runner's environment naming it, or the reason there is none. A server named by the
    caller in SPARKWEB_TEST_POSTGRESQL_URL is used as it is (each test makes a schema of its
    own)."""
    environment = dict(os.environ)
    if environment.get("SPARKWEB_TEST_POSTGRESQL_URL") or not any(
            _imports_databases(module) for module in modules):
        return None, environment
    trouble = postgres.problem()
    if trouble is not None:
        environment["SPARKWEB_TEST_POSTGRESQL_MISSING"] = "%s: %s" % trouble
        return None, environment
    server = postgres.ScratchPostgres()
    try:
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        # Installed but not startable is a broken machine, not a reason to skip.
        environment["SPARKWEB_TEST_POSTGRESQL_MISSING"] = (
            "fail: the scratch PostgreSQL server did not start: %s" % error)
        return None, environment
    environment["SPARKWEB_TEST_POSTGRESQL_URL"] = server.jdbc_url()
    return server, environment


def _imports_databases(module):
    with open(os.path.join(HERE, module + ".py"), encoding="utf-8") as source:
        return re.search(r"^import databases$", source.read(), re.MULTILINE) is not None


def _text(output):
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output or ""


def module_problems(run, module, source):
    """What is wrong with the run of one module: tests announced but never reported, tests
    written in the file but never announced (a second ``def`` of the same name hides the
    first), and a final count that disagrees."""
    announced = run.announced.get(module)
    if announced is None:
        return ["the Jython runner never reached %s" % module]
    reported = [result["test"] for result in run.results.get(module, [])]
    problems = []
    missing = [name for name in announced if name not in reported]
    if missing:
        problems.append("announced but never reported: %s" % ", ".join(missing))
    repeated = sorted(set(name for name in reported if reported.count(name) > 1))
    if repeated:
        problems.append("reported more than once: %s" % ", ".join(repeated))
    defined = DEFINED_TEST.findall(source)
    for name in sorted(set(defined)):
        if defined.count(name) > 1:
            problems.append("%s is defined %d times; only the last one runs"
                            % (name, defined.count(name)))
        elif name not in announced and IMPORT_TEST not in reported:
            problems.append("%s is in the file but the runner did not find it" % name)
    if not announced and IMPORT_TEST not in reported:
        problems.append("no test_* function found in %s" % module)
    if run.end is not None and run.end["modules"].get(module) != len(announced):
        problems.append("the runner counted %s tests of %s, but announced %d"
                        % (run.end["modules"].get(module), module, len(announced)))
    return problems


class JythonModule(pytest.File):
    def collect(self):
        run = run_suite(self.config)
        module = self.path.stem
        for result in run.results.get(module, []):
            yield JythonTest.from_parent(self, name=result["test"], result=result)
        problems = module_problems(run, module, self.path.read_text(encoding="utf-8"))
        if not self.config.stash.get(RUN_CHECKED_KEY, False):
            # Problems of the whole run are shown once, with the first module collected.
            self.config.stash[RUN_CHECKED_KEY] = True
            problems += run.run_problems()
        if problems:
            yield RunnerCheck.from_parent(self, name="runner_check",
                                          details=run.describe(problems))


class JythonTestFailure(Exception):
    pass


class JythonTest(pytest.Item):
    def __init__(self, *, result, **kwargs):
        super().__init__(**kwargs)
        self.result = result

    def runtest(self):
        if self.result["outcome"] == "skipped":
            pytest.skip(self.result["details"])
        if self.result["outcome"] != "passed":
            raise JythonTestFailure(self.result["details"])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, JythonTestFailure):
            return "Jython test failed:\n" + str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "%s::%s (Jython)" % (self.path.name, self.name)


class RunnerCheck(pytest.Item):
    """Fails when the Jython run of its module (or the whole run) lost tests."""

    def __init__(self, *, details, **kwargs):
        super().__init__(**kwargs)
        self.details = details

    def runtest(self):
        raise JythonTestFailure(self.details)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, JythonTestFailure):
            return "The Jython unit runner lost tests or failed:\n" + str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "%s::runner_check (Jython)" % self.path.name
