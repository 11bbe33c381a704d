"""One conversation across the user's devices (XEP-0280 Message Carbons), on a real Openfire:
SparkWeb open, and a phone of the same user online as a slixmpp client."""
import uuid

import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer

PHONE_STATE = "<message to='bob@{domain}' type='chat'><composing " \
              "xmlns='http://jabber.org/protocol/chatstates'/></message>"


@pytest.fixture
def bob(target):
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address,
                    resource="desk")
    yield peer
    peer.close()


def phone(target, priority):
    return XmppPeer("alice@" + target.domain, target.users["alice"], target.xmpp_address,
                    resource="phone", priority=priority, carbons=True)


def with_body(text):
    return lambda event: event.data.get("body") == text


def count_until_marker(stream, text, marker):
    """Events carrying ``text`` seen before the one carrying ``marker`` (sent last)."""
    seen = []
    stream.next("chatapi.chat", where=lambda e: seen.append(e) or e.data.get("body") == marker)
    return [e for e in seen if e.data.get("body") == text]


@pytest.mark.parametrize("priority", [0, 10], ids=["equal-priority", "higher-priority"])
def test_a_message_to_the_bare_jid_shows_once_on_the_stream_and_on_the_phone(
        target, bob, priority):
    alice_phone = phone(target, priority)
    try:
        with EventStream(target, target.login("alice")) as stream:
            stream.next("onConnect")
            text, marker = "bare " + uuid.uuid4().hex, "marker " + uuid.uuid4().hex
            bob.send_message("alice@" + target.domain, text)
            bob.send_message("alice@" + target.domain, marker)
            shown = count_until_marker(stream, text, marker)
            assert len(shown) == 1, "shown %d times on the stream" % len(shown)
            assert shown[0].data["outgoing"] is False, shown[0].data
            assert shown[0].data["from"].startswith("bob@%s/desk" % target.domain), shown[0].data
        alice_phone.next_message(where=lambda m: m["body"] == text)
    finally:
        alice_phone.close()


@pytest.mark.parametrize("priority", [0, 10], ids=["equal-priority", "higher-priority"])
def test_what_the_user_sends_and_receives_on_the_phone_shows_on_the_stream(
        target, bob, priority):
    alice_phone = phone(target, priority)
    try:
        with EventStream(target, target.login("alice")) as stream:
            stream.next("onConnect")
            sent = "from the phone " + uuid.uuid4().hex
            alice_phone.send_message("bob@" + target.domain, sent)
            event = stream.next("chatapi.chat", where=with_body(sent))
            assert event.data["outgoing"] is True and event.data["otherDevice"] is True, \
                event.data
            assert event.data["carbon"] == "sent", event.data
            assert event.data["from"] == "alice@%s/phone" % target.domain, event.data
            assert event.data["to"] == "bob@" + target.domain, event.data
            bob.next_message(where=lambda m: m["body"] == sent)

            alice_phone.send_raw(PHONE_STATE.format(domain=target.domain))
            state = stream.next("chatapi.chat", where=lambda e: e.data.get("state") ==
                                "composing" and e.data.get("otherDevice"))
            assert state.data["to"] == "bob@" + target.domain, state.data

            received = "to the phone " + uuid.uuid4().hex
            marker = "marker " + uuid.uuid4().hex
            bob.send_message("alice@%s/phone" % target.domain, received)
            bob.send_message("alice@%s/phone" % target.domain, marker)
            shown = count_until_marker(stream, received, marker)
            assert len(shown) == 1, "shown %d times" % len(shown)
            assert shown[0].data["carbon"] == "received", shown[0].data
            assert shown[0].data["outgoing"] is False, shown[0].data
    finally:
        alice_phone.close()


def test_a_message_sent_through_rest_reaches_the_phone_and_the_other_tabs(target, bob):
    alice_phone = phone(target, 0)
    try:
        token = target.login("alice")
        with EventStream(target, token) as stream:
            stream.next("onConnect")
            text = "from a tab " + uuid.uuid4().hex
            with target.client(token) as client:
                answer = client.post("/chat/message/bob", json={"body": text})
            assert answer.status_code == 200, answer.text
            event = stream.next("chatapi.chat", where=with_body(text))
            assert event.data["outgoing"] is True and event.data["otherDevice"] is False, \
                event.data
            assert event.data["id"] == answer.json()["id"], event.data
        bob.next_message(where=lambda m: m["body"] == text)
        # The phone has the conversation too: Openfire copies what SparkWeb's session sends
        # to the user's carbons-enabled clients (review R11-11: this was never checked).
        copy = alice_phone.next_sent_carbon(where=lambda c: c["body"] == text)
        assert copy["to"] == "bob@" + target.domain, copy
        assert copy["sender"].startswith("alice@%s/" % target.domain) and \
            not copy["sender"].endswith("/phone"), copy
    finally:
        alice_phone.close()
