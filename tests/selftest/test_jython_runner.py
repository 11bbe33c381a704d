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


def test_a_java_exception_fails_its_test_and_the_next_tests_still_run(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_broken.py": """
        from java.util import Objects

        def test_first():
            pass

        def test_second_raises_a_java_exception():
            Objects.requireNonNull(None, "deliberate null")

        def test_third():
            pass
        """})
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)
    assert "FAILED" in output and "test_second_raises_a_java_exception" in output, output
    assert "NullPointerException" in output, "the Java exception is not shown:\n" + output
    assert "PASSED" in output and "test_third" in output, "the test after it did not run:\n" + output
    assert "1 failed, 2 passed" in output, output


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
    assert "test_second_ends_the_jvm" in output and "test_third" in output, \
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


def test_a_sys_exit_inside_a_test_fails_that_test_only(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_sys_exit.py": """
        import sys

        def test_calls_sys_exit():
            sys.exit(0)

        def test_after_it():
            pass
        """})
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)
    assert "1 failed, 1 passed" in output, output


def test_a_test_shadowed_by_a_second_definition_is_reported(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_shadowed.py": """
        def test_same_name():
            assert False, "this one never runs"

        def test_same_name():
            pass
        """})
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)
    assert "test_same_name" in output and "defined 2 times" in output, output


def test_a_module_that_cannot_be_imported_fails_the_run(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_unimportable.py": """
        from java.lang import NoSuchThing

        def test_never_runs():
            pass
        """})
    assert status == 1, "the run did not fail (exit %s):\n%s" % (status, output)
    assert "NoSuchThing" in output, output


def test_a_healthy_module_passes(tmp_path):
    status, output = run_collector(tmp_path, {"jtest_fine.py": """
        def test_one():
            pass

        def test_two():
            pass
        """})
    assert status == 0, "a healthy module failed (exit %s):\n%s" % (status, output)
    assert "2 passed" in output, output
