"""<sparkweb-chat> shows the conversation's history from the archive (GET /chat/messages) in a
real browser (Debian's Chromium, Playwright); without an archive (501: Openfire without the
Monitoring plugin) it shows none, and no error."""
import pytest

from harness.client_page import TIMEOUT, ClientPage
from test_components import contexts, unique  # noqa: F401 (fixture)

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def archived(target, token, body):
    """Waits until ``body`` is in the caller's archive (Openfire's Monitoring plugin writes
    its archive in batches); False without an archive."""
    import time
    with target.client(token) as client:
        deadline = time.time() + 30
        while time.time() < deadline:
            answer = client.get("/chat/messages", params={"before": "", "max": "50"})
            if answer.status_code == 501:
                return False
            assert answer.status_code == 200, answer.text
            if body in [m["body"] for m in answer.json()["messages"]]:
                return True
            time.sleep(0.5)
    raise AssertionError("%r never reached the archive" % body)


def test_a_conversation_opens_with_its_history_then_goes_on_live(contexts, target):
    alice_token, bob_token = target.login("alice"), target.login("bob")
    asked, answered = unique("asked before the page opened"), unique("answered before")
    with target.client(alice_token) as alice_rest, target.client(bob_token) as bob_rest:
        assert alice_rest.post("/chat/message/bob", json={"body": asked}).status_code == 200
        assert bob_rest.post("/chat/message/alice", json={"body": answered}).status_code == 200
    if not archived(target, alice_token, answered):
        pytest.skip("no archive here (Openfire without the Monitoring plugin)")
    with target.client(alice_token) as alice_rest:     # a new session: the messages are
        assert alice_rest.post("/logout").status_code in (200, 204)   # in the archive alone
    alice = ClientPage(contexts(), target)
    alice.sign_in("alice")
    alice.open_chat("bob")
    alice.wait_for_message(asked, outgoing=True)
    alice.wait_for_message(answered)
    shown = alice.messages()
    assert shown.index(("out", asked)) < shown.index(("in", answered)), shown
    history = alice.page.eval_on_selector_all("sparkweb-chat li[part~=history]", "l => l.length")
    assert history >= 2, "the archived messages are not marked as history: %d" % history
    bob = ClientPage(contexts(), target)
    bob.sign_in("bob")
    bob.open_chat("alice")
    live = unique("live after the history")
    bob.send(live)
    alice.wait_for_message(live)
    back = unique("and back")
    alice.send(back)
    bob.wait_for_message(back)
    # A reload: the archive and the tab's own record show each message once.
    alice.page.reload()
    alice.wait_signed_in("alice")
    alice.wait_for_message(back, outgoing=True)
    archived(target, target.login("alice"), back)
    alice.page.reload()
    alice.wait_signed_in("alice")
    alice.wait_for_message(back, outgoing=True)
    alice.wait_for_message(asked, outgoing=True)
    shown = alice.messages()
    for message in [("out", asked), ("in", answered), ("in", live), ("out", back)]:
        assert shown.count(message) == 1, "%r shown %d times: %r" % (
            message, shown.count(message), shown[-8:])
    assert not alice.problems and not bob.problems, alice.problems + bob.problems


def test_without_an_archive_there_is_no_history_and_no_error(contexts, target):
    before = unique("before the page opened")
    with target.client(target.login("bob")) as bob_rest:
        assert bob_rest.post("/chat/message/alice", json={"body": before}).status_code == 200
    context = contexts()
    asked = []

    def no_archive(route):
        asked.append(route.request.url)
        route.fulfill(status=501, content_type="application/json",
                      body='{"error": "not_implemented", "message": "The message archive '
                           'needs the Monitoring plugin."}')
    context.route("**/api/rest/chat/messages*", no_archive)
    alice = ClientPage(context, target)
    alice.sign_in("alice")
    alice.open_chat("bob")
    with target.client(target.login("bob")) as bob_rest:
        live = unique("live")
        assert bob_rest.post("/chat/message/alice", json={"body": live}).status_code == 200
    alice.wait_for_message(live)
    assert asked, "the chat did not ask for its history"
    assert ("in", before) not in alice.messages(), alice.messages()
    errors = alice.page.eval_on_selector_all("sparkweb-chat [part~=error]",
                                             "l => l.map(e => e.textContent)")
    assert errors == [""], "an error is shown: %r" % errors
    alice.send(unique("sent without an archive"))
    assert not alice.problems, alice.problems
