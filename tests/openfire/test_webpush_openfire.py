"""Web Push with real XMPP peers on a real Openfire: a slixmpp user's message to a SparkWeb user
with no open event stream is pushed exactly once, decryptable, with the right text - received
by a session without a page, or stored offline by Openfire for a user with no session at all
(and then not pushed again on signing in); with a stream open, nothing is pushed. In a room, a
mention pushes; the room's history and plain messages do not."""
import uuid

import pytest

from harness.push_service import PushService
from harness.sse import EventStream
from harness.xmpp import XmppPeer
from harness.xmpp_muc import MucPeer


@pytest.fixture(scope="module")
def push_service():
    service = PushService()
    yield service
    service.close()


def test_a_slixmpp_message_pushes_once_without_a_stream_and_not_with_one(target, push_service):
    device = push_service.subscription("xmpp-" + uuid.uuid4().hex[:6])
    token = target.login("alice")
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    with target.client(token) as alice:
        assert alice.post("/webpush/subscribe/" + device.name,
                          json=device.json()).status_code == 200
        try:
            text = "from slixmpp %s" % uuid.uuid4().hex[:6]
            peer.send_message("alice@" + target.domain, text)
            note = device.next().json()
            assert (note["type"], note["body"], note["title"]) == (
                "chat", text, "bob@%s (Bob)" % target.domain), note
            device.none_within(2)
            with EventStream(target, token) as stream:
                stream.next("onConnect")
                peer.send_message("alice@" + target.domain, "on the page")
                stream.next("chatapi.chat", where=lambda e: e.data.get("body") == "on the page")
                device.none_within(2)
        finally:
            alice.delete("/webpush/subscribe/" + device.name)
            peer.close()


def test_a_message_openfire_stores_offline_is_pushed_once_and_not_again_on_sign_in(
        target, push_service):
    """findings-13 13-11: alice has no session at all (signed out), so Openfire stores bob's
    message offline and only its OfflineMessageListener hears it. Signing in again delivers it
    to the new session, which must not push it a second time."""
    device = push_service.subscription("offline-" + uuid.uuid4().hex[:6])
    token = target.login("alice")
    with target.client(token) as alice:
        assert alice.post("/webpush/subscribe/" + device.name,
                          json=device.json()).status_code == 200
        assert alice.post("/logout").status_code == 200   # ends her XMPP session
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    token = None
    try:
        text = "stored offline %s" % uuid.uuid4().hex[:6]
        peer.send_message("alice@" + target.domain, text)
        note = device.next().json()
        assert (note["type"], note["body"], note["title"]) == (
            "chat", text, "bob@%s (Bob)" % target.domain), note
        token = target.login("alice")          # the offline message reaches this session
        marker = "after sign-in %s" % uuid.uuid4().hex[:6]
        peer.send_message("alice@" + target.domain, marker)
        again = device.next().json()
        assert again["body"] == marker, "the offline message was pushed again on sign-in: %r" % (
            again,)
    finally:
        peer.close()
        with target.client(token or target.login("alice")) as alice:
            alice.delete("/webpush/subscribe/" + device.name)


def test_a_room_mention_pushes_and_history_and_plain_room_messages_do_not(target, push_service):
    """findings-13 13-11: with Openfire's own room (its self-presence, its history replay with
    a delay stamped by the room), alice joined through SparkWeb, no page open."""
    device = push_service.subscription("room-" + uuid.uuid4().hex[:6])
    name = "push-%s" % uuid.uuid4().hex[:8]
    room = "%s@conference.%s" % (name, target.domain)
    bob = MucPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    token = target.login("alice")
    with target.client(token) as alice:
        try:
            assert alice.post("/webpush/subscribe/" + device.name,
                              json=device.json()).status_code == 200
            bob.create_room(room, "Bob")
            history = "Alice, this is history %s" % name
            bob.say(room, history)                              # replayed to alice, delayed
            # The room echoes it to bob once it has it: only then is it history for alice
            # (else, on a loaded machine, her join can overtake it and it comes live).
            bob.next_message(where=lambda m: m["body"] == history)
            answer = alice.put("/groupchat/room/" + name, params={"nick": "Alice"})
            assert answer.status_code == 200, answer.text
            bob.next_presence(where=lambda p: p["from"] == room + "/Alice" and
                              p["type"] == "available")
            bob.say(room, "hello everyone")                     # no mention: no push
            mention = "Alice, look at this %s" % uuid.uuid4().hex[:6]
            bob.say(room, mention)
            note = device.next().json()
            assert (note["type"], note["body"], note["title"]) == (
                "mention", mention, "%s (Bob)" % room), \
                "the first push is not the mention (history or a plain message pushed?): %r" % (
                    note,)
            device.none_within(2)
        finally:
            alice.delete("/groupchat/room/" + name)
            alice.delete("/webpush/subscribe/" + device.name)
            bob.close()
