"""schemathesis over every operation of openapi.json, signed in as a test user: valid and
invalid data (examples, coverage, fuzzing and stateful phases), derandomized and bounded. Checks:
no 5xx, every status documented, answers conform to their schema, content types and headers
as documented. Operations added to the route tables are covered without changing this test.

The run signs in as a user of its own, created for it on that server ("schemathesis"): it may
change her name, vCard, properties, presence and (PUT /user) password, and sign her out; the
hooks follow her password and sign in again. No other test's user is touched.

It runs on a server of its own (the dev host, and a real Openfire from OPENFIRE_HOME) whose
login limits are out of reach: generated sign-ins fail by the hundred, which on a shared server
would lock the other tests' client address out (the limits have tests of their own).
"""
import json
import os
import re
import subprocess
import sys

import httpx
import pytest

from harness.devhost import DevHost
from harness.target import TEST_PROPERTIES

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_EXAMPLES = 10
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")
TIMEOUT_SECONDS = 600
UNLIMITED = "1000000"
USER = "schemathesis"    # the run's own user, created for it (see dedicated_server)


def dedicated_server(kind):
    properties = dict(TEST_PROPERTIES)
    properties.update({"sparkweb.login.maxFailuresPerAddress": UNLIMITED,
                       "sparkweb.login.maxFailuresPerUser": UNLIMITED,
                       "sparkweb.webauthn.maxStartsPerAddress": UNLIMITED,
                       "sparkweb.webauthn.maxStartsPerUser": UNLIMITED})
    if kind == "devhost":
        from harness.devhost import USERS
        return DevHost(properties=properties, users=USERS + (USER,))
    if not os.environ.get("OPENFIRE_HOME"):
        pytest.skip("no real Openfire: OPENFIRE_HOME is not set")
    from harness.openfire import USERS, LocalOpenfire
    return LocalOpenfire(os.environ["OPENFIRE_HOME"], properties=properties,
                         users=USERS + (USER,))


@pytest.fixture(scope="module", params=["devhost", "openfire"])
def server(request):
    if request.param == "openfire":
        request.applymarker(pytest.mark.openfire)
    running = dedicated_server(request.param)
    try:
        yield running.start()
    finally:
        running.stop()


def run_schemathesis(target, workdir, *arguments):
    """The schemathesis CLI against ``target``; it runs in ``workdir``, where it keeps its
    cache (.schemathesis/), so that nothing is written into the repository."""
    rest = target.rest_url
    environment = dict(os.environ, SCHEMATHESIS_HOOKS="sparkweb_hooks",
                       PYTHONPATH=os.path.join(HERE, "schemathesis_support"),
                       SPARKWEB_ST_REST=rest, SPARKWEB_ST_USER=USER,
                       SPARKWEB_ST_PASSWORD=target.users[USER], NO_COLOR="1")
    command = [sys.executable, "-m", "schemathesis.cli", "run",
               target.base_url + "/sparkweb/api/openapi.json", "--url", rest,
               "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
               "--checks", CHECKS, "--generation-with-security-parameters", "false",
               "--request-timeout", "30", "--no-color"] + list(arguments)
    return subprocess.run(command, env=environment, capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS, cwd=str(workdir))


def test_every_operation_keeps_to_its_description(server, tmp_path):
    described = httpx.get(server.base_url + "/sparkweb/api/openapi.json", timeout=30).json()
    operations = sum(len(item) for item in described["paths"].values())
    result = run_schemathesis(server, tmp_path)
    output = result.stdout + result.stderr
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert tested and int(tested.group(1)) == operations, \
        "schemathesis did not test all %d operations:\n%s" % (operations, output[-6000:])
    assert result.returncode == 0, "schemathesis found failures:\n%s" % output[-20000:]
