"""<sparkweb-rooms> and <sparkweb-groupchat> in a real browser (Debian's Chromium driven by
Playwright), on web/index.html and their example pages, against the dev host and a real
Openfire: two users in one room both ways, the room's history, a reload mid-conversation,
keyboard-only use, axe."""
import uuid

import pytest

from harness.client_page import TIMEOUT, ClientPage
from test_components import (_serious_violations, contexts, unique,  # noqa: F401 (fixture)
                             wait_until)

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

GROUPCHAT = "sparkweb-groupchat"


def room_name():
    return "room-" + uuid.uuid4().hex[:8]


def join_by_name(page, name):
    """Joins (or creates) the room through <sparkweb-rooms>'s form, as a person does."""
    page.page.fill("sparkweb-rooms input[name=room]", name)
    page.page.press("sparkweb-rooms input[name=room]", "Enter")
    page.page.wait_for_selector("sparkweb-rooms li[data-room^='%s@'][data-joined]" % name,
                                timeout=TIMEOUT)
    page.page.wait_for_selector(GROUPCHAT + " input[name=text]", timeout=TIMEOUT)


def say(page, text):
    page.page.fill(GROUPCHAT + " input[name=text]", text)
    page.page.press(GROUPCHAT + " input[name=text]", "Enter")
    wait_for_room_message(page, text, mine=True)


def wait_for_room_message(page, body, mine=False):
    try:
        page.page.wait_for_function(
            """([body, mine]) => [...document.querySelector('sparkweb-groupchat').shadowRoot
                 .querySelectorAll(mine ? 'li.outgoing .body' : 'li.incoming .body')]
                 .some(b => b.textContent === body)""", arg=[body, mine], timeout=TIMEOUT)
    except Exception as error:   # Playwright's timeout: say what the room shows instead
        shown = page.page.evaluate("() => document.querySelector('sparkweb-groupchat')"
                                   ".shadowRoot.textContent.slice(0, 2000)")
        raise AssertionError("%r never shown (%s); the element shows: %r"
                             % (body, error.__class__.__name__, shown))


def room_messages(page):
    return [tuple(item) for item in page.page.eval_on_selector_all(
        GROUPCHAT + " li.message",
        "items => items.map(i => [i.classList.contains('outgoing') ? 'out' : 'in', "
        "i.querySelector('.sender').textContent, i.querySelector('.body').textContent])")]


def wait_for_occupants(page, nicks):
    page.page.wait_for_function(
        """nicks => { const shown = [...document.querySelector('sparkweb-groupchat').shadowRoot
             .querySelectorAll('li[part~=occupant]')].map(li => li.dataset.nick);
             return nicks.every(n => shown.includes(n)); }""", arg=nicks, timeout=TIMEOUT)


def nick_of(target, username):
    """The nickname a join without one gets: the user's name, else the username."""
    with target.client(target.login(username)) as client:
        return client.get("/user").json().get("name") or username


def test_alice_and_bob_talk_in_a_room_both_ways_and_bob_sees_what_came_before(contexts, target):
    name = room_name()
    alice, bob = ClientPage(contexts(), target), ClientPage(contexts(), target)
    alice.sign_in("alice")
    join_by_name(alice, name)
    before = unique("said before bob came <&>")
    say(alice, before)
    bob.sign_in("bob")
    join_by_name(bob, name)
    wait_for_room_message(bob, before)             # the room's history
    hello = unique("hello alice")
    say(bob, hello)
    wait_for_room_message(alice, hello)
    answer = unique("hello bob \U0001F600")
    say(alice, answer)
    wait_for_room_message(bob, answer)
    alice_nick, bob_nick = nick_of(target, "alice"), nick_of(target, "bob")
    for page in (alice, bob):
        wait_for_occupants(page, [alice_nick, bob_nick])
    assert room_messages(bob)[-3:] == [("in", alice_nick, before), ("out", "You", hello),
                                       ("in", alice_nick, answer)], room_messages(bob)
    assert room_messages(alice)[-3:] == [("out", "You", before), ("in", bob_nick, hello),
                                         ("out", "You", answer)], room_messages(alice)
    # Leaving in the rooms list: the room is no longer marked joined, the group chat offers
    # to join again, and alice sees bob go.
    bob.page.click("sparkweb-rooms li[data-room^='%s@'] button[part~=leave]" % name)
    bob.page.wait_for_selector("sparkweb-rooms li[data-room^='%s@']:not([data-joined])" % name,
                               timeout=TIMEOUT)
    bob.page.wait_for_selector(GROUPCHAT + " button[part~=join]", timeout=TIMEOUT)
    alice.page.wait_for_selector(GROUPCHAT + " li[part~=occupant][data-nick='%s']" % bob_nick,
                                 state="detached", timeout=TIMEOUT)
    assert not alice.problems and not bob.problems, alice.problems + bob.problems


def test_a_reload_in_a_room_loses_nothing(contexts, target):
    name = room_name()
    alice = ClientPage(contexts(), target)
    alice.sign_in("alice")
    join_by_name(alice, name)
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        before = unique("before the reload")
        assert bob.post("/groupchat/room/" + name, json={"body": before}).status_code == 200
        wait_for_room_message(alice, before)
        mine = unique("mine")
        say(alice, mine)
        during = unique("during the reload")
        sent = []

        def send_while_no_page_listens(route):
            if not sent:
                sent.append(bob.post("/groupchat/room/" + name,
                                     json={"body": during}).status_code)
            route.continue_()
        alice.page.route("**/js/sparkweb/components.js", send_while_no_page_listens)
        alice.page.reload()
        assert sent == [200], "nothing was sent during the reload: %r" % sent
        alice.wait_signed_in("alice")
        wait_for_room_message(alice, during)
        after = unique("after the reload")
        assert bob.post("/groupchat/room/" + name, json={"body": after}).status_code == 200
        wait_for_room_message(alice, after)
        bob.delete("/groupchat/room/" + name)
    shown = [(direction, body) for direction, _, body in room_messages(alice)]
    for message in [("in", before), ("out", mine), ("in", during), ("in", after)]:
        assert shown.count(message) == 1, "%r shown %d times in %r" % (
            message, shown.count(message), shown)


def focused_part(page):
    """The part attribute of the focused element, through the shadow roots."""
    return page.evaluate("() => { let e = document.activeElement; while (e && e.shadowRoot && "
                         "e.shadowRoot.activeElement) e = e.shadowRoot.activeElement; "
                         "return e ? (e.getAttribute('part') || e.name || e.tagName) : null; }")


def tab_to(page, wanted, presses=40):
    for _ in range(presses):
        page.keyboard.press("Tab")
        if wanted(focused_part(page) or ""):
            return
    raise AssertionError("cannot be reached with Tab")


def test_a_room_is_joined_used_and_left_with_the_keyboard_alone(contexts, target):
    name = room_name()
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        alice = ClientPage(contexts(), target, "/sparkweb/examples/groupchat.html")
        alice.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
        keys = alice.page.keyboard
        keys.press("Tab")
        keys.type("alice")
        keys.press("Tab")
        keys.type(target.users["alice"])
        keys.press("Enter")
        alice.wait_signed_in("alice")
        alice.page.wait_for_selector(GROUPCHAT + " button[part~=join]", timeout=TIMEOUT)
        tab_to(alice.page, lambda part: "join" in part.split())
        keys.press("Enter")
        # Joined: the message field has the focus.
        alice.page.wait_for_function("() => document.querySelector('sparkweb-groupchat')"
                                     ".shadowRoot.activeElement?.name === 'text'", timeout=TIMEOUT)
        text = unique("typed, not clicked")
        keys.type(text)
        keys.press("Enter")
        wait_for_room_message(alice, text, mine=True)
        history = bob.get("/groupchat/room/%s/chathistory" % name).json()["messages"]
        assert text in [m["body"] for m in history], "bob's room does not have it: %r" % history
        reply = unique("bob answers")
        assert bob.post("/groupchat/room/" + name, json={"body": reply}).status_code == 200
        wait_for_room_message(alice, reply)
        wait_for_room_message(alice, reply)
        tab_to(alice.page, lambda part: "leave" in part.split())
        keys.press("Enter")
        alice.page.wait_for_selector(GROUPCHAT + " button[part~=join]", timeout=TIMEOUT)
        bob.delete("/groupchat/room/" + name)


def test_axe_finds_no_serious_violation_in_the_rooms(contexts, target):
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")
    name = room_name()
    context = contexts()
    page = ClientPage(context, target)
    page.sign_in("alice")
    join_by_name(page, name)
    say(page, unique("checked by axe"))
    found = {"index.html, in a room": _serious_violations(page.page)}
    for example in ("rooms", "groupchat", "notifications"):
        shown = ClientPage(context, target, "/sparkweb/examples/%s.html" % example)
        shown.wait_signed_in("alice")
        if example == "groupchat":
            shown.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
            shown.page.wait_for_selector(GROUPCHAT + " input[name=text]", timeout=TIMEOUT)
        found["examples/%s.html" % example] = _serious_violations(shown.page)
    with target.client(target.login("alice")) as alice:
        alice.delete("/groupchat/room/" + name)
    assert not any(found.values()), found


def test_german_texts_in_the_rooms_example(contexts, target):
    page = ClientPage(contexts(), target, "/sparkweb/examples/rooms.html")
    page.sign_in("alice")
    page.page.wait_for_selector("sparkweb-rooms form[part~=join-form]", timeout=TIMEOUT)
    heading = page.page.text_content("sparkweb-rooms h2")
    assert heading == "Räume (conference)", heading
    assert page.page.text_content("sparkweb-rooms button[part~=join]") == "Betreten"


def watch_redraws(page):
    """Counts, in window.redrawn, the drawings of the room that follow this call."""
    page.page.evaluate("""() => { window.redrawn = 0;
        const root = document.querySelector('sparkweb-groupchat').shadowRoot;
        new MutationObserver((changes) => changes.forEach((change) => {
            window.redrawn += [...change.addedNodes].filter(
                (node) => node.matches?.('section[part~=groupchat]')).length;
        })).observe(root, { childList: true }); }""")


def wait_redrawn(page):
    page.page.wait_for_function("() => window.redrawn > 0", timeout=TIMEOUT)


def test_a_join_answered_after_the_room_drew_keeps_what_was_typed(contexts, target):
    """The room's presence for the join can draw the room before the join's own answer does;
    the answer then draws it again. What the user typed meanwhile stays (it was lost: the
    flaky password-room test typed into the first drawing)."""
    name = room_name()
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        context = contexts()
        held = []
        context.route("**/api/rest/groupchat/room/*", lambda route: held.append(route)
                      if route.request.method == "PUT" else route.continue_())
        alice = ClientPage(context, target, "/sparkweb/examples/groupchat.html")
        alice.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
        alice.sign_in("alice")
        alice.page.click(GROUPCHAT + " button[part~=join]")
        wait_until(lambda: held, "the join is on its way", page=alice.page)
        answer = held[0].fetch()                 # joined at the server; the page waits on
        assert answer.status == 200, answer.text()
        field = GROUPCHAT + " input[name=text]"
        alice.page.wait_for_selector(field, timeout=TIMEOUT)    # drawn by the presence event
        text = unique("typed while the join was answered")
        alice.page.click(field)
        alice.page.keyboard.type(text)
        watch_redraws(alice)
        held[0].fulfill(response=answer)
        wait_redrawn(alice)
        assert alice.page.input_value(field) == text, "the text typed was lost"
        alice.page.press(field, "Enter")
        wait_for_room_message(alice, text, mine=True)
        # Cleared when the POST is answered, which may come after the message's own event.
        alice.page.wait_for_function("() => document.querySelector('sparkweb-groupchat')"
                                     ".shadowRoot.querySelector('input[name=text]').value === ''",
                                     timeout=TIMEOUT)
        bob.delete("/groupchat/room/" + name)


def test_a_room_drawn_again_keeps_the_text_and_the_focus(contexts, target):
    """Drawing the room again (here: its language changed) keeps what the user typed and the
    focus in the field."""
    name = room_name()
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        alice = ClientPage(contexts(), target, "/sparkweb/examples/groupchat.html")
        alice.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
        alice.sign_in("alice")
        alice.page.click(GROUPCHAT + " button[part~=join]")
        field = GROUPCHAT + " input[name=text]"
        # The join's answer drew the room last and gave the field the focus.
        alice.page.wait_for_function("() => document.querySelector('sparkweb-groupchat')"
                                     ".shadowRoot.activeElement?.name === 'text'", timeout=TIMEOUT)
        text = unique("half a sentence")
        alice.page.keyboard.type(text)
        watch_redraws(alice)
        alice.page.evaluate("() => document.querySelector('sparkweb-groupchat').lang = 'de'")
        wait_redrawn(alice)
        assert alice.page.input_value(field) == text, "the text typed was lost"
        assert alice.page.evaluate("() => document.querySelector('sparkweb-groupchat')"
                                   ".shadowRoot.activeElement?.name") == "text", "focus lost"
        with target.client(target.login("alice")) as alice_rest:
            alice_rest.delete("/groupchat/room/" + name)
        bob.delete("/groupchat/room/" + name)
