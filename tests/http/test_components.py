"""The web components and the chat client (web/index.html, web/examples/) in a real browser:
Debian's Chromium driven by Playwright, against the dev host and a real Openfire."""
import re
import time
import uuid

import httpx
import pytest

from harness.client_page import CLIENT, TIMEOUT, ClientPage

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

EXAMPLES = ("login", "roster", "chat", "presence")
TABS = 8


@pytest.fixture
def contexts(browser):
    """Fresh browser contexts (separate storage: separate people), closed after the test."""
    opened = []

    def new():
        opened.append(browser.new_context())
        return opened[-1]
    yield new
    for context in opened:
        context.close()


def unique(text):
    return "%s %s" % (text, uuid.uuid4().hex[:8])


class StreamCounter(object):
    """Event streams the server holds open, counted by the server: on the dev host, those of
    one user (its test-only route); on Openfire, all of them (the settings page's Activity box,
    behind the admin login), which in this test are alice's alone."""

    def __init__(self, request, target):
        self.target = target
        self.console = None
        if target.name != "devhost":
            from harness import targets
            from openfire.test_admin_console import AdminConsole
            self.console = AdminConsole(targets.get_server(request.config, target.name))
            answer = self.console.login("admin", target.users["admin"])
            assert answer.status_code in (200, 302), "admin login: %s" % answer.status_code

    def __call__(self, username):
        if self.console is None:
            answer = httpx.get(self.target.base_url + "/devhost-test/streams",
                               params={"user": username}, timeout=10)
            assert answer.status_code == 200, answer.text
            return answer.json()["streams"]
        page = self.console.page().text
        found = re.search(r'id="sparkweb-activity-streams">(\d+)<', page)
        assert found, "no stream count on the settings page"
        return int(found.group(1))


def wait_until(condition, what, timeout=20, page=None):
    """Polls ``condition``. With ``page``, waits through Playwright, which delivers the
    browser's events (responses, routes) to their Python listeners only while it runs."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        if page is not None:
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)
    raise AssertionError("timed out waiting until " + what)


def test_alice_and_bob_chat_both_ways_with_typing(contexts, target):
    alice, bob = ClientPage(contexts(), target), ClientPage(contexts(), target)
    alice.sign_in("alice")
    bob.sign_in("bob")
    alice.open_chat("bob")
    bob.open_chat("alice")
    alice.wait_connected()
    bob.wait_connected()

    alice.type("Hel")
    bob.wait_typing(True)
    assert bob.typing_text() == "alice is typing…", bob.typing_text()
    hello = unique("Hello bob <&> \U0001F600")
    alice.send(hello)
    bob.wait_for_message(hello)
    bob.wait_typing(False)

    bob.type("Hi")
    alice.wait_typing(True)
    answer = unique("Hi alice")
    bob.send(answer)
    alice.wait_for_message(answer)
    alice.wait_typing(False)
    assert alice.messages()[-2:] == [("out", hello), ("in", answer)], alice.messages()
    assert bob.messages()[-2:] == [("in", hello), ("out", answer)], bob.messages()
    assert not alice.problems and not bob.problems, alice.problems + bob.problems


def test_eight_tabs_share_one_stream_and_leadership_moves_without_loss(contexts, target, request):
    streams_of = StreamCounter(request, target)
    context = contexts()
    tabs = [ClientPage(context, target, "/sparkweb/examples/chat.html")]
    tabs[0].sign_in("alice")
    tabs += [ClientPage(context, target, "/sparkweb/examples/chat.html") for _ in range(TABS - 1)]
    for tab in tabs:
        tab.wait_signed_in("alice")
        tab.wait_connected()
    # Streams of earlier tests close at their next heartbeat (Openfire counts all users').
    wait_until(lambda: streams_of("alice") <= 1, "at most one stream")
    assert streams_of("alice") == 1, "eight tabs, but not one stream"
    leaders = [tab for tab in tabs if tab.is_leader()]
    assert len(leaders) == 1, "%d leaders among %d tabs" % (len(leaders), TABS)

    with target.client(target.login("bob")) as bob:
        first = [unique("to every tab %d" % n) for n in range(3)]
        for text in first:
            assert bob.post("/chat/message/alice", json={"body": text}).status_code == 200
        for tab in tabs:
            for text in first:
                tab.wait_for_message(text)
        # A tab joining mid-stream gets what it missed, once, from the leader; the tabs that
        # were there already are not sent it again.
        joining = ClientPage(context, target, "/sparkweb/examples/chat.html")
        joining.wait_signed_in("alice")
        joining.wait_connected()
        for text in first:
            joining.wait_for_message(text)
        tabs.append(joining)
        for tab in tabs:
            bodies = [body for _, body in tab.messages()]
            for text in first:
                assert bodies.count(text) == 1, "%r shown %d times after a tab joined" % (
                    text, bodies.count(text))
        assert streams_of("alice") == 1, "the joining tab opened a stream of its own"

        meanwhile = unique("sent while the leader closed")
        sent = []

        def send_before_the_new_leader_connects(route):
            # The new leader's first attempt: the message goes out while no stream listens, and
            # the attempt fails, so the stream comes back after a back-off, from Last-Event-ID.
            # (A continued request would have its streamed response held back by Playwright.)
            sent.append(bob.post("/chat/message/alice", json={"body": meanwhile}).status_code)
            route.abort()
        context.route("**/sparkweb/sse", send_before_the_new_leader_connects, times=1)
        leaders[0].page.close()
        rest = [tab for tab in tabs if tab is not leaders[0]]
        for tab in rest:
            tab.wait_for_message(meanwhile)
        assert sent == [200], "nothing was sent during the hand-over: %r" % sent
        wait_until(lambda: sum(1 for tab in rest if tab.is_leader()) == 1, "one new leader")
        wait_until(lambda: streams_of("alice") == 1,
                   "the closed leader's stream is gone and one stream remains")
        after = unique("after the hand-over")
        assert bob.post("/chat/message/alice", json={"body": after}).status_code == 200
        for tab in rest:
            tab.wait_for_message(after)
            bodies = [body for _, body in tab.messages()]
            for text in first + [meanwhile, after]:
                assert bodies.count(text) == 1, "%r shown %d times" % (text, bodies.count(text))
    assert streams_of("alice") == 1, "more than one stream after the hand-over"


def test_a_reload_mid_conversation_loses_nothing(contexts, target):
    alice = ClientPage(contexts(), target)
    alice.sign_in("alice")
    alice.open_chat("bob")
    alice.wait_connected()
    with target.client(target.login("bob")) as bob:
        before = unique("before the reload")
        assert bob.post("/chat/message/alice", json={"body": before}).status_code == 200
        alice.wait_for_message(before)
        mine = unique("mine")
        alice.send(mine)
        during = unique("during the reload")
        sent = []

        def send_while_no_page_listens(route):
            # The reloaded document asks for its scripts: the old one, and its stream, are gone,
            # and the new one has not connected yet.
            if not sent:
                sent.append(bob.post("/chat/message/alice", json={"body": during}).status_code)
            route.continue_()
        alice.page.route("**/js/sparkweb/components.js", send_while_no_page_listens)
        alice.page.reload()
        assert sent == [200], "the message was not sent during the reload: %r" % sent
        alice.wait_signed_in("alice")
        alice.wait_for_message(during)
        after = unique("after the reload")
        assert bob.post("/chat/message/alice", json={"body": after}).status_code == 200
        alice.wait_for_message(after)
    shown = alice.messages()
    for message in [("in", before), ("out", mine), ("in", during), ("in", after)]:
        assert shown.count(message) == 1, "%r shown %d times in %r" % (
            message, shown.count(message), shown)


def test_a_message_is_sent_with_the_keyboard_alone(contexts, target):
    alice, bob = ClientPage(contexts(), target), ClientPage(contexts(), target)
    bob.sign_in("bob")
    bob.open_chat("alice")
    keys = alice.page.keyboard
    keys.press("Tab")                     # the username field is the first stop
    keys.type("alice")
    keys.press("Tab")
    keys.type(target.users["alice"])
    keys.press("Enter")
    alice.wait_signed_in("alice")
    alice.wait_connected()
    # Tab to the contact bob (past Sign out and the status form), choose him with Enter: the
    # message field then has the focus.
    for _ in range(30):
        keys.press("Tab")
        focused = alice.page.evaluate(
            "() => { let e = document.activeElement; while (e && e.shadowRoot && "
            "e.shadowRoot.activeElement) e = e.shadowRoot.activeElement; "
            "return e && e.closest('li') ? e.closest('li').dataset.jid || '' : ''; }")
        if focused.startswith("bob@"):
            break
    else:
        raise AssertionError("the contact bob cannot be reached with Tab")
    keys.press("Enter")
    alice.page.wait_for_selector("sparkweb-chat input[name=text]", timeout=TIMEOUT)
    text = unique("typed, not clicked")
    keys.type(text)
    keys.press("Enter")
    bob.wait_for_message(text)
    alice.wait_for_message(text, outgoing=True)


def _serious_violations(page):
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return ["%s (%s): %s" % (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_finds_no_serious_violation(contexts, target):
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    context = contexts()
    page = ClientPage(context, target)
    page.page.wait_for_selector("sparkweb-login input[name=username]", timeout=TIMEOUT)
    found = {"index.html, signed out": _serious_violations(page.page)}
    page.sign_in("alice")
    page.open_chat("bob")
    page.send(unique("checked by axe"))
    found["index.html, signed in"] = _serious_violations(page.page)
    for name in EXAMPLES:
        example = ClientPage(context, target, "/sparkweb/examples/%s.html" % name)
        example.wait_signed_in("alice")
        found["examples/%s.html" % name] = _serious_violations(example.page)
    assert not any(found.values()), found


def test_screenshot_of_the_signed_in_client(contexts, target):
    alice, bob = ClientPage(contexts(), target), ClientPage(contexts(), target)
    alice.page.set_viewport_size({"width": 1100, "height": 700})
    alice.sign_in("alice")
    bob.sign_in("bob")
    alice.open_chat("bob")
    bob.open_chat("alice")
    alice.wait_contact_show("bob", "available")
    alice.send(unique("Hello Bob, the client works"))
    reply = unique("Hello Alice, I can see it")
    bob.send(reply)
    alice.wait_for_message(reply)
    bob.type("typing")
    alice.wait_typing(True)
    path = alice.screenshot("sparkweb-client-%s.png" % target.name)
    with open(path, "rb") as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n", "no PNG at " + path


def test_a_slixmpp_user_and_a_browser_user_chat_and_presence_shows(contexts, target):
    if target.xmpp_address is None:
        pytest.skip("no XMPP client port here (the dev host has none)")
    from harness.xmpp import XmppPeer
    alice = ClientPage(contexts(), target)
    alice.sign_in("alice")
    alice.open_chat("bob")
    alice.wait_connected()
    # bob may still have a SparkWeb session from earlier tests (available, priority 0): a
    # message to his bare JID goes to the client with the highest priority, then the most
    # available show, so the away and busy slixmpp client needs the higher priority.
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address,
                    resource="slixmpp-" + uuid.uuid4().hex[:6], priority=5)
    try:
        peer.send_presence(pshow="away", pstatus="at lunch", ppriority=5)
        alice.wait_contact_show("bob", "away")
        assert "at lunch" in alice.page.text_content("sparkweb-roster li[data-jid^='bob@']")
        peer.send_presence(pshow="dnd", pstatus="busy", ppriority=5)
        alice.wait_contact_show("bob", "dnd")

        from_xmpp = unique("from slixmpp <&> \u00e9")
        peer.send_message("alice@" + target.domain, from_xmpp)
        alice.wait_for_message(from_xmpp)
        from_browser = unique("from the browser")
        alice.send(from_browser)
        received = peer.next_message(where=lambda m: m["body"] == from_browser, timeout=20)
        assert received["from"].startswith("alice@%s/" % target.domain), received
    finally:
        peer.close()
    assert not alice.problems, alice.problems


def test_offline_then_online_reconnects_and_replays(contexts, target):
    context = contexts()
    alice = ClientPage(context, target)
    alice.sign_in("alice")
    alice.open_chat("bob")
    alice.wait_connected()
    context.set_offline(True)
    alice.page.wait_for_function(CLIENT + ".then(c => c.connection === 'offline')", timeout=TIMEOUT)
    assert "Offline" in alice.page.text_content("sparkweb-presence [part~=connection]")
    while_offline = unique("sent while alice was offline")
    with target.client(target.login("bob")) as bob:
        assert bob.post("/chat/message/alice", json={"body": while_offline}).status_code == 200
    context.set_offline(False)
    alice.page.wait_for_function(CLIENT + ".then(c => c.connection === 'open')", timeout=TIMEOUT)
    alice.wait_for_message(while_offline)
    alice.wait_connected()
    assert alice.messages().count(("in", while_offline)) == 1, alice.messages()


def test_the_token_is_renewed_before_it_expires_and_shared_by_the_tabs(contexts, target):
    context = contexts()
    context.clock.install()     # the pages' timers and clock, moved on by the test
    # Every sign-in and renewal of the test, with the token each answered: the tabs are
    # waited for until they hold the renewal's own token (waiting for "another token than
    # before" passed on any intermediate one and compared the tabs too early: the flake).
    answers = []
    context.on("response", lambda r: answers.append((r.url.rsplit("/", 2)[-2:], r))
               if "/api/rest/renew" in r.url or "/api/rest/login/" in r.url else None)
    first = ClientPage(context, target)
    first.sign_in("alice")
    second = ClientPage(context, target)
    second.wait_signed_in("alice")
    second.wait_connected()
    token = first.page.evaluate(CLIENT + ".then(c => [c.token, c.expires])")
    lifetime = token[1] - int(time.time())
    context.clock.fast_forward(int(lifetime * 0.8) * 1000)   # renewal is due at 3/4
    wait_until(lambda: any(url[-1] == "renew" for url, _ in answers), "a renewal",
               page=first.page)
    renewals = [response for url, response in answers if url[-1] == "renew"]
    renewed = renewals[0].json()["token"]
    for tab in (first, second):
        tab.page.wait_for_function(CLIENT + ".then(c => c.token === %r)" % renewed,
                                   timeout=TIMEOUT)
    kinds = [url[-1] if url[-1] == "renew" else "login" for url, _ in answers]
    assert kinds == ["login", "renew"], "one sign-in, one renewal for two tabs: %r" % kinds
    with target.client(renewed) as client:
        assert client.get("/user").json()["username"] == "alice", "the renewed token is refused"
