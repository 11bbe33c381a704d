"""Collects ``jtest_*.py`` (Jython unit tests of src/main/python) as pytest items.

CPython cannot import SparkWeb's modules (they use Java classes), so the modules run in one
Jython process per session (see jython_runner.py); each of their ``test_*`` functions becomes a
pytest item that passes or fails with the outcome Jython reported.
"""
import json
import os
import subprocess

import pytest

from harness import paths

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "JYTHON_TEST_RESULT "
STASH_KEY = pytest.StashKey()


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


def run_suite(config):
    """Runs every jtest module once per session; {module: [result, ...]}."""
    if STASH_KEY in config.stash:
        return config.stash[STASH_KEY]
    paths.require_build()
    modules = sorted(name[:-3] for name in os.listdir(HERE)
                     if name.startswith("jtest_") and name.endswith(".py"))
    command = paths.jython_command([paths.PYTHON_SOURCES, HERE],
                                   [os.path.join(HERE, "jython_runner.py")] + modules)
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=HERE)
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            result = json.loads(line[len(MARK):])
            results.setdefault(result["module"], []).append(result)
    if not results:
        raise RuntimeError("Jython ran no test (exit %s):\n%s\n%s"
                           % (done.returncode, done.stdout[-3000:], done.stderr[-3000:]))
    config.stash[STASH_KEY] = results
    return results


class JythonModule(pytest.File):
    def collect(self):
        results = run_suite(self.config).get(self.path.stem)
        if not results:
            raise RuntimeError("Jython reported nothing for %s" % self.path.name)
        for result in results:
            yield JythonTest.from_parent(self, name=result["test"], result=result)


class JythonTestFailure(Exception):
    pass


class JythonTest(pytest.Item):
    def __init__(self, *, result, **kwargs):
        super().__init__(**kwargs)
        self.result = result

    def runtest(self):
        if self.result["outcome"] != "passed":
            raise JythonTestFailure(self.result["details"])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, JythonTestFailure):
            return "Jython test failed:\n" + str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "%s::%s (Jython)" % (self.path.name, self.name)
