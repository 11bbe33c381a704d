"""SparkWeb inside a real Openfire: same users as XMPP, reloads leak nothing, start-up time."""
import re
import time

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


def test_plugin_starts_within_three_seconds(server):
    started = re.findall(r"SparkWeb \S+ started in (\d+) ms", server.log_text())
    assert started, "no start line in Openfire's log:\n" + server.log_tail()
    assert int(started[-1]) <= 3000, "plugin start took %s ms" % started[-1]


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


def test_openfire_logs_no_errors_caused_by_sparkweb(server, target):
    # Run a session through its life first, so that the log has something to show.
    token = target.login("alice")
    with target.client(token) as client:
        client.post("/chat/message/bob", content="log check")
        client.post("/logout")
    time.sleep(1)
    suspicious = [line for line in server.log_text().splitlines()
                  if "ERROR" in line and ("sparkweb" in line.lower() or
                                          "Internal server error" in line)]
    assert not suspicious, "errors in Openfire's log:\n" + "\n".join(suspicious[:10])
