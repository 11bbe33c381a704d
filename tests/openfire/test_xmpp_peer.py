"""SparkWeb sessions seen from a real XMPP client (slixmpp on the client port)."""
import time
import uuid

import pytest

from harness.sse import EventStream
from harness.target import GRACE_SECONDS
from harness.xmpp import XmppPeer

TRICKY = 'quote " backslash \\ newline\nline two <&> \u00e9 emoji \U0001F600'


@pytest.fixture
def bob_peer(target):
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    yield peer
    peer.close()


def from_alice_sparkweb(target):
    return lambda item: item["from"].startswith("alice@%s/sparkweb" % target.domain)


def test_rest_message_reaches_an_xmpp_client_intact(target, bob_peer):
    text = TRICKY + uuid.uuid4().hex     # unique: offline messages from other tests may arrive too
    with target.client(target.login("alice")) as client:
        assert client.post("/chat/message/bob", content=text.encode("utf-8"),
                           headers={"Content-Type": "text/plain; charset=utf-8"}).status_code == 200
    message = bob_peer.next_message(where=lambda m: from_alice_sparkweb(target)(m) and
                                    m["body"].endswith(text[-32:]))
    assert message["body"] == text, "body changed: %r" % message["body"]


def test_xmpp_client_message_arrives_on_the_stream(target, bob_peer):
    text = TRICKY + uuid.uuid4().hex
    with EventStream(target, target.login("alice")) as stream:
        stream.next("onConnect")
        bob_peer.send_message("alice@" + target.domain, text)
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
    assert event.data["from"].startswith("bob@%s/peer" % target.domain), event.data


def test_presence_flows_both_ways(target, bob_peer):
    status = "rest " + uuid.uuid4().hex[:6]
    token = target.login("alice")
    with EventStream(target, token) as stream:
        stream.next("onConnect")
        with target.client(token) as client:
            assert client.post("/presence", json={"show": "dnd", "status": status}).status_code == 200
        seen = bob_peer.next_presence(where=lambda p: p["status"] == status)
        assert seen["show"] == "dnd" and seen["from"].startswith("alice@"), seen
        peer_status = "peer " + uuid.uuid4().hex[:6]
        bob_peer.send_presence(pshow="away", pstatus=peer_status)
        event = stream.next("chatapi.presence", where=lambda e: e.data["status"] == peer_status)
        assert event.data["show"] == "away" and event.data["type"] == "available", event.data
        bob_peer.send_presence(ptype="unavailable")
        gone = stream.next("chatapi.presence", where=lambda e: e.data["from"].startswith(
            "bob@%s/peer" % target.domain) and e.data["type"] == "unavailable")
    assert gone.data["type"] == "unavailable", gone.data


def test_peer_sees_sparkweb_user_leave_after_grace_and_at_logout(target, bob_peer):
    token = target.login("alice")
    gone = lambda p: p["from"].startswith("alice@%s/sparkweb" % target.domain) \
        and p["type"] == "unavailable"
    with EventStream(target, token) as stream:
        stream.next("onConnect")
    closed = time.time()
    bob_peer.next_presence(where=gone, timeout=GRACE_SECONDS + 10)
    assert time.time() - closed >= GRACE_SECONDS - 0.5, "left before the grace period ended"
    token = target.login("alice")
    bob_peer.next_presence(where=lambda p: p["from"].startswith("alice@") and p["type"] == "available")
    with target.client(token) as client:
        started = time.time()
        assert client.post("/logout").status_code == 200
    bob_peer.next_presence(where=gone, timeout=5)
    assert time.time() - started < 3, "logout did not end the session at once"
