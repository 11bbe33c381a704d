"""<sparkweb-rooms> and <sparkweb-groupchat>: invitations shown and accepted, a nickname chosen
and a room password given when joining, all with the keyboard alone; English and German.
Debian's Chromium driven by Playwright, against the dev host and a real Openfire (password
rooms only there: only an owner's XMPP client can set a room's password)."""
import uuid

import pytest

from harness.client_page import TIMEOUT, ClientPage
from test_components import contexts, unique  # noqa: F401 (fixture)
from test_components_rooms import GROUPCHAT, focused_part, say, tab_to

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def room_name():
    return "invite-" + uuid.uuid4().hex[:8]


def sign_in_with_keys(page, target, username):
    keys = page.page.keyboard
    keys.press("Tab")
    keys.type(username)
    keys.press("Tab")
    keys.type(target.users[username])
    keys.press("Enter")
    page.wait_signed_in(username)


def self_nick(page):
    return page.page.get_attribute(GROUPCHAT + " li[part~=self]", "data-nick", timeout=TIMEOUT)


def test_an_invitation_is_shown_in_german_and_accepted_with_the_keyboard(contexts, target):
    name = room_name()
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        alice = ClientPage(contexts(), target, "/sparkweb/examples/rooms.html")   # lang="de"
        sign_in_with_keys(alice, target, "alice")
        alice.wait_connected()
        answer = bob.post("/groupchat/room/%s/alice" % name, json={"reason": "Komm dazu"})
        assert answer.status_code == 200, answer.text
        invitation = "sparkweb-rooms li[part~=invitation][data-room^='%s@']" % name
        alice.page.wait_for_selector(invitation, timeout=TIMEOUT)
        text = alice.page.text_content(invitation)
        assert "bob lädt Sie nach %s ein" % name in text and "Komm dazu" in text, text
        tab_to(alice.page, lambda part: "accept" in part.split())
        alice.page.keyboard.press("Enter")
        alice.page.wait_for_selector("sparkweb-rooms li[data-room^='%s@'][data-joined]" % name,
                                     timeout=TIMEOUT)
        alice.page.wait_for_selector(invitation, state="detached", timeout=TIMEOUT)
        # A reload shows no invitation to a room joined meanwhile, and no error.
        alice.page.reload()
        alice.wait_signed_in("alice")
        alice.page.wait_for_selector("sparkweb-rooms li[data-room^='%s@'][data-joined]" % name,
                                     timeout=TIMEOUT)
        assert alice.page.locator(invitation).count() == 0, "the invitation came back"
        assert not alice.problems, alice.problems
        alice_rest = target.client(target.login("alice"))
        with alice_rest:
            alice_rest.delete("/groupchat/room/" + name)
        bob.delete("/groupchat/room/" + name)


def test_an_invitation_can_be_dismissed(contexts, target):
    name = room_name()
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        alice = ClientPage(contexts(), target)
        alice.sign_in("alice")
        alice.wait_connected()
        assert bob.post("/groupchat/room/%s/alice" % name).status_code == 200
        invitation = "sparkweb-rooms li[part~=invitation][data-room^='%s@']" % name
        alice.page.wait_for_selector(invitation, timeout=TIMEOUT)
        assert "bob invites you to %s" % name in alice.page.text_content(invitation)
        alice.page.click(invitation + " button[part~=dismiss]")
        alice.page.wait_for_selector(invitation, state="detached", timeout=TIMEOUT)
        assert alice.page.locator(
            "sparkweb-rooms li[data-room^='%s@'][data-joined]" % name).count() == 0, \
            "dismissing joined the room"
        bob.delete("/groupchat/room/" + name)


def test_a_room_is_joined_with_a_chosen_nickname_with_the_keyboard(contexts, target):
    name = room_name()
    nick = "Alice " + uuid.uuid4().hex[:4]
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        alice = ClientPage(contexts(), target, "/sparkweb/examples/groupchat.html")
        alice.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
        sign_in_with_keys(alice, target, "alice")
        alice.page.wait_for_selector(GROUPCHAT + " input[name=nick]", timeout=TIMEOUT)
        tab_to(alice.page, lambda part: "nick" in part.split())
        alice.page.keyboard.type(nick)
        alice.page.keyboard.press("Enter")
        alice.page.wait_for_function("() => document.querySelector('sparkweb-groupchat')"
                                     ".shadowRoot.activeElement?.name === 'text'", timeout=TIMEOUT)
        assert self_nick(alice) == nick, self_nick(alice)
        occupants = [o.get("nick") or o["jid"].split("/")[-1] for o in bob.get(
            "/groupchat/room/%s/occupants" % name).json()["occupants"]]
        assert nick in occupants, occupants
        say(alice, unique("said as " + nick))
        with target.client(target.login("alice")) as alice_rest:
            alice_rest.delete("/groupchat/room/" + name)
        bob.delete("/groupchat/room/" + name)


def test_a_password_room_asks_for_its_password(contexts, target):
    if target.xmpp_address is None:
        pytest.skip("only an owner's XMPP client sets a room password (the dev host has none)")
    from harness.xmpp_muc import MucPeer
    name = room_name()
    room_jid = "%s@conference.%s" % (name, target.domain)
    carol = MucPeer("carol@" + target.domain, target.users["carol"], target.xmpp_address)
    try:
        carol.create_room(room_jid, "Carol", password="s3cret-pw")
        alice = ClientPage(contexts(), target, "/sparkweb/examples/groupchat.html")
        alice.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
        sign_in_with_keys(alice, target, "alice")
        password = GROUPCHAT + " input[name=password]"
        alice.page.wait_for_selector(password, state="visible", timeout=TIMEOUT)
        tab_to(alice.page, lambda part: "password" in part.split())
        alice.page.keyboard.type("wrong")
        alice.page.keyboard.press("Enter")
        alice.page.wait_for_function("() => document.querySelector('sparkweb-groupchat')"
                                     ".shadowRoot.querySelector('[part~=error]').textContent",
                                     timeout=TIMEOUT)
        assert "password" in (focused_part(alice.page) or ""), focused_part(alice.page)
        alice.page.fill(password, "s3cret-pw")
        alice.page.press(password, "Enter")
        alice.page.wait_for_selector(GROUPCHAT + " input[name=text]", timeout=TIMEOUT)
        say(alice, unique("inside with the password"))
        with target.client(target.login("alice")) as alice_rest:
            alice_rest.delete("/groupchat/room/" + name)
    finally:
        carol.close()
