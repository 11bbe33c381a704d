"""A real Openfire that was asked for but cannot be had fails the run instead of skipping it:
a set but broken OPENFIRE_HOME always, and no Openfire at all when SPARKWEB_REQUIRE_OPENFIRE=1
(for release checks). Without either, the real-Openfire tests skip with the reason.

Each case runs one real-Openfire test in a pytest subprocess with the environment set up.
"""
import os
import subprocess
import sys

import pytest

from harness import docker, paths

ONE_OPENFIRE_TEST = "tests/openfire/test_real_openfire.py::test_domain_comes_from_openfire"


def run_openfire_test(**environment):
    """(exit status, output) of one real-Openfire test run with ``environment``; a target that
    fails shows as an error at the set-up of that test."""
    env = dict((name, value) for name, value in os.environ.items()
               if name not in ("OPENFIRE_HOME", "SPARKWEB_REQUIRE_OPENFIRE"))
    env.update(environment)
    done = subprocess.run([sys.executable, "-m", "pytest", ONE_OPENFIRE_TEST, "-q", "-rA",
                           "-p", "no:cacheprovider"],
                          cwd=paths.ROOT, env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def no_docker():
    if docker.available():
        pytest.skip("a Docker daemon answers here, so a real Openfire is always available")


def test_a_broken_openfire_home_fails(tmp_path):
    status, output = run_openfire_test(OPENFIRE_HOME=str(tmp_path))
    assert status == 1, "a broken OPENFIRE_HOME did not fail the run (exit %s):\n%s" % (
        status, output)
    assert "1 error" in output and "lib/startup.jar" in output, output


def test_a_missing_openfire_home_fails(tmp_path):
    status, output = run_openfire_test(OPENFIRE_HOME=str(tmp_path / "no-such-directory"))
    assert status == 1, "a missing OPENFIRE_HOME did not fail the run (exit %s):\n%s" % (
        status, output)
    assert "1 error" in output and "no-such-directory" in output, output


def test_no_openfire_fails_when_required(no_docker):
    status, output = run_openfire_test(SPARKWEB_REQUIRE_OPENFIRE="1")
    assert status == 1, "no Openfire did not fail the run with SPARKWEB_REQUIRE_OPENFIRE=1 " \
        "(exit %s):\n%s" % (status, output)
    assert "1 error" in output and "SPARKWEB_REQUIRE_OPENFIRE=1 demands" in output, output


def test_no_openfire_skips_with_the_reason_otherwise(no_docker):
    status, output = run_openfire_test(SPARKWEB_REQUIRE_OPENFIRE="0")
    assert status == 0, "no Openfire failed the run without the switch (exit %s):\n%s" % (
        status, output)
    assert "SKIPPED" in output and "OPENFIRE_HOME is not set" in output, output
