"""SparkWeb inside a real Openfire: same users as XMPP, reloads leak nothing, the start line."""
import re
import time
import zipfile

import pytest

from harness import paths
from harness.xmpp import XmppClient


def test_api_login_and_xmpp_login_are_the_same_account(target):
    token = target.login("alice")
    with target.client(token) as client:
        user = client.get("/user").json()
    assert user["username"] == "alice", user
    xmpp = XmppClient("alice@" + target.domain, target.users["alice"], target.xmpp_address)
    assert xmpp.login(), "slixmpp could not sign in as alice (failed auth: %s)" % xmpp.failed.is_set()
    assert xmpp.bound_jid.startswith("alice@" + target.domain + "/"), xmpp.bound_jid


def test_wrong_password_fails_over_xmpp_and_api_alike(target):
    xmpp = XmppClient("alice@" + target.domain, "not-the-password", target.xmpp_address)
    assert not xmpp.login(timeout=15), "XMPP accepted a wrong password"
    with target.client() as client:
        assert client.post("/login/alice", content="not-the-password").status_code == 401


def test_domain_comes_from_openfire(target):
    with target.client(target.login("bob")) as client:
        shown = dict((e["key"], e["value"]) for e in client.get("/config/global").json()["properties"])
    assert shown["xmpp.domain"] == target.domain, shown


def test_plugin_reports_its_start_time(server):
    """The start line names the version and the time taken. How long is measured by
    bench/start_bench.py (DESIGN.md §8: a benchmark, not a timed test: on a loaded 2-core
    machine the same start takes 3 to 20 s)."""
    started = re.findall(r"SparkWeb \S+ started in (\d+) ms", server.log_text())
    assert started, "no start line in Openfire's log:\n" + server.log_tail()
    assert int(started[-1]) > 0, "implausible start time %s ms" % started[-1]


def test_reloading_the_plugin_removes_and_restores_the_api_without_leaking(server, target):
    token = target.login("alice")
    loaders_before = server.live_plugin_classloaders()
    counts = []
    for cycle in range(6):
        server.uninstall_plugin()
        server.wait_for_api(present=False, timeout=60)
        assert server.api_status() == 404, "API still answers after unload: %s" % server.api_status()
        server.install_plugin()
        server.wait_for_api(present=True, timeout=60)
        time.sleep(1)   # let start-up threads settle before counting
        counts.append(server.thread_count())
    # The first cycle may start pools that live on in Openfire; after it, no growth.
    assert counts[-1] <= counts[1] + 3, "threads grow across reloads: %s" % counts
    loaders_after = server.live_plugin_classloaders()
    assert loaders_after == loaders_before, "unloaded plugins stay in memory: %d class loaders " \
        "before six reloads, %d after" % (loaders_before, loaders_after)
    with target.client(token) as client:
        assert client.get("/user").status_code == 200, "token from before the reloads rejected"


FAILED_LOAD = "An exception occurred while loading plugin 'sparkweb'"
UNLOADED = "Successfully unloaded plugin 'sparkweb'"
START_FAILURE = "deliberate start failure (tests/openfire)"
TIMER_THREAD = "sparkweb-timer"


def jar_whose_start_fails(good_jar, path):
    """A copy of the plugin whose settings page cannot be built: a start-up step after the
    timer thread and the web context, as any later step could fail."""
    failing_page = (
        "\n\nclass SettingsPage(SettingsPage):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        raise RuntimeError(%r)\n" % START_FAILURE)
    with zipfile.ZipFile(good_jar) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            if entry.filename == "python/sparkweb/admin/page$py.class":
                continue    # compiled from the changed source instead
            data = source.read(entry.filename)
            if entry.filename == "python/sparkweb/admin/page.py":
                data += failing_page.encode("utf-8")
            target.writestr(entry, data)
    return path


def test_a_failed_start_leaves_nothing_behind_and_the_next_start_works(server, target, tmp_path):
    server.expect_log_problem(re.escape(START_FAILURE))
    token = target.login("alice")
    loaders_before = server.live_plugin_classloaders()
    failures = server.read_log("logs/openfire.log").count(FAILED_LOAD)
    unloads = server.read_log("logs/openfire.log").count(UNLOADED)
    server.uninstall_plugin()
    server.wait_for_log(UNLOADED, unloads + 1)
    server.install_plugin(jar_whose_start_fails(paths.PLUGIN_JAR, str(tmp_path / "failing.jar")))
    server.wait_for_log(FAILED_LOAD, failures + 1)
    assert START_FAILURE in server.read_log("logs/openfire.log"), "failed for another reason:\n" \
        + server.log_tail()
    assert server.api_status() == 404, "the failed start still serves: %s" % server.api_status()
    assert TIMER_THREAD not in server.thread_names(), "the failed start's timer thread runs on"
    server.uninstall_plugin()
    server.wait_for_log(UNLOADED, unloads + 2)
    server.install_plugin()
    server.wait_for_api(present=True, timeout=60)
    with target.client(token) as client:
        assert client.get("/user").status_code == 200, "no working start after the failed one"
    loaders_after = server.live_plugin_classloaders()
    assert loaders_after == loaders_before, "the failed start stays in memory: %d plugin " \
        "class loaders before, %d after" % (loaders_before, loaders_after)


@pytest.mark.log_check
def test_openfire_logs_no_warnings_or_errors_caused_by_sparkweb(server, target):
    """Runs after every other test of the session (tests/openfire/conftest.py), so that it sees
    what they all left in Openfire's log."""
    problems = server.sparkweb_log_problems()
    assert not problems, "%d warnings or errors of SparkWeb in Openfire's log:\n%s" % (
        len(problems), "\n".join(problems[:10]))
