"""schemathesis over every operation of openapi.json, signed in as a test user: valid and
invalid data (examples, coverage, fuzzing and stateful phases), derandomized and bounded. Checks:
no 5xx, every status documented, answers conform to their schema, content types and headers
as documented. Operations added to the route tables are covered without changing this test.

Generated data cannot reach every operation's success (a Web Push subscription needs a key on
P-256, a post to a room needs a joined room, a passkey a WebAuthn ceremony): the hooks add the
test server's own valid requests to the examples phase (schemathesis_support/sparkweb_fixtures).
The test then holds the run to it: every operation must have answered a success at least once
(so its success schema was checked), except the few listed in NEVER_SUCCEEDS with the reason.

The run signs in as a user of its own, created for it on that server ("schemathesis"): it may
change her name, vCard, properties, presence and (PUT /user) password, and sign her out; the
hooks follow her password and sign in again. No other test's user is touched.

It runs on a server of its own (the dev host, and a real Openfire from OPENFIRE_HOME) whose
login limits are out of reach: generated sign-ins fail by the hundred, which on a shared server
would lock the other tests' client address out (the limits have tests of their own).
"""
import collections
import json
import os
import re
import subprocess
import sys

import httpx
import pytest

from harness.devhost import DevHost
from harness.openfire_admin import AdminConsole
from harness.target import TEST_PROPERTIES

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
MAX_EXAMPLES = 10
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance,answer_fields_declared")
TIMEOUT_SECONDS = 600
UNLIMITED = "1000000"
USER = "schemathesis"    # the run's own user, created for it (see dedicated_server)
GROUP = "chess"          # a group open for self-service (POST/DELETE /user/groups/{groupName})

# Operations the run cannot bring to a success on any test server, and why.
NEVER_SUCCEEDS = {
    "DELETE /user": "deleting accounts is off by default (sparkweb.account.deleteEnabled), and "
                    "the run's user must outlive the run; test_contacts.py deletes accounts",
}
# Operations that answer 501 while an optional Openfire plugin is missing (DESIGN), by plugin.
# The dev host's in-memory Openfire has an archive and bookmarks but no HTTP upload service.
NEEDS_PLUGIN = {
    "GET /upload/{fileName}/{fileSize}": "httpfileupload",
    "GET /chat/messages": "monitoring",
    "GET /groupchat/messages": "monitoring",
}
DEVHOST_PLUGINS = ("monitoring", "bookmarks")


def dedicated_server(kind):
    properties = dict(TEST_PROPERTIES)
    properties.update({"sparkweb.login.maxFailuresPerAddress": UNLIMITED,
                       "sparkweb.login.maxFailuresPerUser": UNLIMITED,
                       "sparkweb.webauthn.maxStartsPerAddress": UNLIMITED,
                       "sparkweb.webauthn.maxStartsPerUser": UNLIMITED})
    properties["sparkweb.groups.selfService"] = GROUP
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
        target = running.start()
        if request.param == "openfire":     # the dev host has the group from its start
            console = AdminConsole(running, target.users["admin"])
            console.create_group(GROUP)
            console.close()
        target.has_plugin = (lambda name: name in DEVHOST_PLUGINS) \
            if request.param == "devhost" else \
            (lambda name: running.optional_plugin_jar(name) is not None)
        yield target
    finally:
        running.stop()


def run_schemathesis(target, workdir, *arguments):
    """The schemathesis CLI against ``target``; it runs in ``workdir``, where it keeps its
    cache (.schemathesis/), so that nothing is written into the repository. Every answer is
    recorded in ``workdir``/answers.txt (see :func:`answers`)."""
    rest = target.rest_url
    environment = dict(os.environ, SCHEMATHESIS_HOOKS="sparkweb_hooks",
                       PYTHONPATH=os.pathsep.join([os.path.join(HERE, "schemathesis_support"),
                                                   TESTS]),
                       SPARKWEB_ST_REST=rest, SPARKWEB_ST_USER=USER,
                       SPARKWEB_ST_PASSWORD=target.users[USER],
                       SPARKWEB_ST_DOMAIN=target.domain, SPARKWEB_ST_GROUP=GROUP,
                       SPARKWEB_ST_RECORD=str(workdir / "answers.txt"), NO_COLOR="1")
    command = [sys.executable, "-m", "schemathesis.cli", "run",
               target.base_url + "/sparkweb/api/openapi.json", "--url", rest,
               "--max-examples", str(MAX_EXAMPLES), "--generation-deterministic",
               "--checks", CHECKS, "--generation-with-security-parameters", "false",
               "--request-timeout", "30", "--no-color"] + list(arguments)
    return subprocess.run(command, env=environment, capture_output=True, text=True,
                          timeout=TIMEOUT_SECONDS, cwd=str(workdir))


def answers(workdir):
    """What the run's hooks recorded: operation ("METHOD /path") -> Counter of statuses."""
    seen = collections.defaultdict(collections.Counter)
    record = workdir / "answers.txt"
    for line in (record.read_text().splitlines() if record.exists() else ()):
        method, path, status = line.split(" ")
        seen["%s %s" % (method, path)][int(status)] += 1
    return seen


def exemptions(server):
    """Operation -> why it may end the run without a success, on ``server``."""
    exempt = dict(NEVER_SUCCEEDS)
    for operation, plugin in NEEDS_PLUGIN.items():
        if not server.has_plugin(plugin):
            exempt[operation] = "answers 501: Openfire's %s plugin is not installed" % plugin
    return exempt


def unsucceeded(operations, seen, exempt):
    """The problems of a run's coverage: operations that never answered a 2xx and are not
    exempt, exempt ones that did (the reason no longer holds), and plugin exemptions whose
    operation did not answer its 501."""
    problems = []
    for operation in sorted(operations):
        succeeded = any(200 <= status < 300 for status in seen.get(operation, ()))
        if not succeeded and operation not in exempt:
            problems.append("%s never answered a success: %s" % (
                operation, dict(seen.get(operation, {})) or "never called"))
        elif succeeded and operation in exempt:
            problems.append("%s answered a success, yet is exempt (%s)" % (
                operation, exempt[operation]))
        elif operation in exempt and "501" in exempt[operation] and \
                501 not in seen.get(operation, ()):
            problems.append("%s is exempt (%s) but never answered 501: %s" % (
                operation, exempt[operation], dict(seen.get(operation, {}))))
    return problems


def test_every_operation_keeps_to_its_description(server, tmp_path):
    described = httpx.get(server.base_url + "/sparkweb/api/openapi.json", timeout=30).json()
    operations = ["%s %s" % (method.upper(), path)
                  for path, item in described["paths"].items() for method in item]
    result = run_schemathesis(server, tmp_path)
    output = result.stdout + result.stderr
    tested = re.search(r"Tested:\s+(\d+)", output)
    assert tested and int(tested.group(1)) == len(operations), \
        "schemathesis did not test all %d operations:\n%s" % (len(operations), output[-6000:])
    assert result.returncode == 0, "schemathesis found failures:\n%s" % output[-20000:]
    problems = unsucceeded(operations, answers(tmp_path), exemptions(server))
    assert not problems, "the run did not check every success answer against its schema " \
        "(findings-10 10-3):\n%s" % "\n".join(problems)
