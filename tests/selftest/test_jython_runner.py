"""The Jython unit runner loses no test (DESIGN.md §7).

Each case writes a deliberately broken ``jtest_*`` module into a temporary directory, next to
copies of tests/unit's collector and runner, and runs pytest on that directory in a subprocess:
the suite's own modules never contain a failing test. The run must fail, and say which test.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from harness import paths

UNIT = os.path.join(paths.ROOT, "tests", "unit")
TESTS = os.path.join(paths.ROOT, "tests")


@pytest.fixture(scope="module", autouse=True)
def built():
    paths.require_build()


def run_collector(directory, modules):
    """pytest over ``directory`` holding only ``modules`` ({file name: source}) and the unit
    collector; (exit status, output)."""
    for name in ("conftest.py", "jython_runner.py"):
        shutil.copy(os.path.join(UNIT, name), str(directory / name))
    for name, source in modules.items():
        (directory / name).write_text(textwrap.dedent(source))
    (directory / "pytest.ini").write_text("[pytest]\naddopts = -p no:hypothesispytest\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(directory), "-q", "-rA", "-p", "no:cacheprovider",
         "--rootdir", str(directory)],
        env=dict(os.environ, PYTHONPATH=TESTS), capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


BROKEN_MODULES = {
    "jtest_java_exception.py": """
        from java.util import Objects

        def test_first():
            pass

        def test_second_raises_a_java_exception():
            Objects.requireNonNull(None, "deliberate null")

        def test_third():
            pass
        """,
    "jtest_sys_exit.py": """
        import sys

        def test_calls_sys_exit():
            sys.exit(0)

        def test_after_it():
            pass
        """,
    "jtest_shadowed.py": """
        def test_same_name():
            assert False, "this one never runs"

        def test_same_name():
            pass
        """,
    "jtest_unimportable.py": """
        from java.lang import NoSuchThing

        def test_never_runs():
            pass
        """,
    "jtest_zz_healthy.py": """
        def test_one():
            pass
        """,
}


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    """One run over all of BROKEN_MODULES (a Jython start is slow): (exit status, output)."""
    return run_collector(tmp_path_factory.mktemp("broken"), BROKEN_MODULES)


def outcome(output, module, test):
    """PASSED or FAILED, as pytest's -rA summary reports ``module::test``."""
    for line in output.splitlines():
        words = line.split()
        if len(words) > 1 and words[0] in ("PASSED", "FAILED") and \
                words[1].endswith("/%s::%s" % (module, test)):
            return words[0]
    return None


def test_the_run_over_broken_modules_fails(broken_run):
    status, output = broken_run
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)


def test_a_java_exception_fails_its_test_and_the_next_tests_still_run(broken_run):
    _, output = broken_run
    module = "jtest_java_exception.py"
    assert outcome(output, module, "test_second_raises_a_java_exception") == "FAILED", output
    assert "NullPointerException" in output, "the Java exception is not shown:\n" + output
    assert outcome(output, module, "test_third") == "PASSED", "the next test did not run:\n" \
        + output


def test_a_sys_exit_inside_a_test_fails_that_test_only(broken_run):
    _, output = broken_run
    assert outcome(output, "jtest_sys_exit.py", "test_calls_sys_exit") == "FAILED", output
    assert outcome(output, "jtest_sys_exit.py", "test_after_it") == "PASSED", output


def test_a_test_shadowed_by_a_second_definition_is_reported(broken_run):
    _, output = broken_run
    assert outcome(output, "jtest_shadowed.py", "runner_check") == "FAILED", output
    assert "test_same_name is defined 2 times" in output, output


def test_a_module_that_cannot_be_imported_fails_the_run(broken_run):
    _, output = broken_run
    assert outcome(output, "jtest_unimportable.py", "<import>") == "FAILED", output
    assert "NoSuchThing" in output, output


def test_modules_after_broken_ones_run_and_pass(broken_run):
    _, output = broken_run
    assert outcome(output, "jtest_zz_healthy.py", "test_one") == "PASSED", output
    assert outcome(output, "jtest_zz_healthy.py", "runner_check") is None, output


def test_a_skipped_test_is_reported_skipped_with_its_reason(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_skips.py": """
        from unittest import SkipTest

        def test_needs_something_absent():
            raise SkipTest("the thing is not installed here")

        def test_after_it():
            pass
        """})
    assert status == 0, "a skip failed the run (exit %s):\n%s" % (status, output)
    assert "SKIPPED" in output and "the thing is not installed here" in output, output
    assert outcome(output, "jtest_skips.py", "test_after_it") == "PASSED", output


def test_a_runner_that_dies_inside_a_module_fails_the_run(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_dies.py": """
        from java.lang import Runtime

        def test_first():
            pass

        def test_second_ends_the_jvm():
            Runtime.getRuntime().halt(0)    # exit status 0: only the missing lines tell

        def test_third():
            pass
        """})
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)
    assert "announced but never reported: test_second_ends_the_jvm, test_third" in output, \
        "the lost tests are not named:\n" + output


def test_a_runner_exit_status_other_than_zero_fails_the_run(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_exits.py": """
        from java.lang import Runtime, Thread

        def test_registers_a_failing_exit():
            # After the runner's last line: the JVM's exit status becomes 3.
            Runtime.getRuntime().addShutdownHook(Thread(lambda: Runtime.getRuntime().halt(3)))
        """})
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)
    assert "exit status 3" in output, "the runner's exit status is not shown:\n" + output
