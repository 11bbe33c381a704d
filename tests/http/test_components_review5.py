"""Findings of the fifth review of the components (findings-15.md, Session 5) in a real browser
(Debian's Chromium driven by Playwright): a room's refused password is no sign-out (S5-15-4),
a full sessionStorage stops no message (S5-15-2), an occupant reusing another's message id
hides nothing (S5-15-1)."""
import json
import uuid

import pytest

from harness.client_page import CLIENT, TIMEOUT, ClientPage
from test_components import contexts, unique  # noqa: F401 (fixture)
from test_components_rooms import GROUPCHAT, join_by_name, wait_for_room_message

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

# sessionStorage as full as a few large messages make it: every SparkWeb record refused.
FULL_SESSION_STORAGE = """
(() => {
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (this === window.sessionStorage && key.startsWith("sparkweb.") &&
        !key.startsWith("sparkweb.page.")) {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    return setItem.call(this, key, value);
  };
})();
"""


def test_a_refused_room_password_keeps_the_user_signed_in(contexts, target):
    name = "vault-" + uuid.uuid4().hex[:8]
    with target.client(target.login("bob")) as bob:
        assert bob.put("/groupchat/room/" + name).status_code == 200
        context = contexts()
        alice = ClientPage(context, target, "/sparkweb/examples/groupchat.html")
        alice.page.evaluate("n => document.querySelector('sparkweb-groupchat').room = n", name)
        alice.sign_in("alice")
        # The room's answer to a join without its password (as Openfire's password rooms give
        # it: not-authorized, no WWW-Authenticate).
        refused = []

        def not_authorized(route):
            if route.request.method != "PUT" or refused:
                return route.fallback()
            refused.append(route.request.url)
            route.fulfill(status=401, content_type="application/json", body=json.dumps(
                {"error": "not-authorized", "message": "The room's password is missing or wrong."}))
        context.route("**/api/rest/groupchat/room/**", not_authorized)
        alice.page.click(GROUPCHAT + " button[part~=join]")
        alice.page.wait_for_selector(GROUPCHAT + " input[name=password]", state="visible",
                                     timeout=TIMEOUT)
        assert refused, "the join was not refused"
        assert alice.page.evaluate(CLIENT + ".then(c => c.signedIn)") is True, \
            "a room's refusal signed the user out"
        assert alice.page.evaluate("() => localStorage.getItem('sparkweb.auth')"), \
            "the sign-in was forgotten"
        focused = alice.page.evaluate("() => document.querySelector('sparkweb-groupchat')"
                                      ".shadowRoot.activeElement?.name")
        assert focused == "password", "the password field has no focus: %r" % focused
        alice.page.press(GROUPCHAT + " input[name=password]", "Enter")    # answered for real
        alice.page.wait_for_selector(GROUPCHAT + " input[name=text]", timeout=TIMEOUT)
        with target.client(target.login("alice")) as alice_rest:
            alice_rest.delete("/groupchat/room/" + name)
        bob.delete("/groupchat/room/" + name)


def test_a_full_session_storage_stops_no_message(contexts, target):
    context = contexts()
    context.add_init_script(FULL_SESSION_STORAGE)
    alice = ClientPage(context, target)
    alice.sign_in("alice")
    alice.open_chat("bob")
    alice.wait_connected()
    name = "full-" + uuid.uuid4().hex[:8]
    join_by_name(alice, name)
    with target.client(target.login("bob")) as bob:
        hello = unique("hello")
        assert bob.post("/chat/message/alice", json={"body": hello}).status_code == 200
        alice.wait_for_message(hello)
        assert bob.put("/groupchat/room/" + name).status_code == 200
        said = unique("said in the room")
        assert bob.post("/groupchat/room/" + name, json={"body": said}).status_code == 200
        wait_for_room_message(alice, said)
        bob.delete("/groupchat/room/" + name)
    with target.client(target.login("alice")) as alice_rest:
        alice_rest.delete("/groupchat/room/" + name)


def test_an_occupant_reusing_another_occupants_id_hides_nothing(contexts, target):
    alice = ClientPage(contexts(), target)
    alice.sign_in("alice")
    name = "ids-" + uuid.uuid4().hex[:8]
    join_by_name(alice, name)
    room = alice.page.evaluate("() => document.querySelector('sparkweb-groupchat').roomJid")
    first, second = unique("from mallory"), unique("from bob")
    # Two occupants' messages with the same (sender-chosen) stanza id, as the stream gives them.
    for nick, body in (("mallory", first), ("bob", second)):
        alice.page.evaluate(
            CLIENT + ".then(c => c.dispatchEvent(new CustomEvent('chatapi.muc', {detail: "
            "{type: 'groupchat', room: %s, from: %s, nick: %s, body: %s, id: 'dup', "
            "mine: false, history: false, timestamp: new Date().toISOString()}})))"
            % tuple(json.dumps(v) for v in (room, room + "/" + nick, nick, body)))
    wait_for_room_message(alice, first)
    wait_for_room_message(alice, second)
    with target.client(target.login("alice")) as alice_rest:
        alice_rest.delete("/groupchat/room/" + name)


def test_an_invitation_through_a_room_of_another_server_shows_that_room_in_full(contexts,
                                                                                 target):
    alice = ClientPage(contexts(), target)
    alice.sign_in("alice")
    alice.wait_connected()
    alice.page.wait_for_selector("sparkweb-rooms form[part~=join-form]", timeout=TIMEOUT)
    # A local room the rooms list does not show (hidden, say) is still local (S5-15-5).
    hidden = "hidden-%s@conference.%s" % (uuid.uuid4().hex[:6], target.domain)
    alice.page.evaluate(
        CLIENT + ".then(c => c.dispatchEvent(new CustomEvent('chatapi.muc', {detail: "
        "{type: 'invitation', room: %s, from: %s, reason: '', direct: false}})))"
        % (json.dumps(hidden), json.dumps("bob@%s/phone" % target.domain)))
    local = "sparkweb-rooms li[part~=invitation][data-room='%s'] [part~=inviter]" % hidden
    alice.page.wait_for_selector(local, timeout=TIMEOUT)
    text = alice.page.text_content(local)
    assert text == "bob invites you to %s" % hidden.split("@")[0], text
    remote = "payroll-%s@conference.evil.example" % uuid.uuid4().hex[:6]
    # What the stream gives for a mediated invitation of a room on another server, which
    # names a local user as the inviter (only that room vouches for it).
    alice.page.evaluate(
        CLIENT + ".then(c => c.dispatchEvent(new CustomEvent('chatapi.muc', {detail: "
        "{type: 'invitation', room: %s, from: %s, reason: 'salaries', direct: false, "
        "timestamp: new Date().toISOString()}})))"
        % (json.dumps(remote), json.dumps("bob@%s/phone" % target.domain)))
    invitation = "sparkweb-rooms li[part~=invitation][data-room='%s']" % remote
    alice.page.wait_for_selector(invitation, timeout=TIMEOUT)
    text = alice.page.text_content(invitation + " [part~=inviter]")
    assert text == "bob@%s invites you to %s" % (target.domain, remote), text
