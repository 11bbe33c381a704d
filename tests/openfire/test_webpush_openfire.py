"""Web Push with a real XMPP peer: a slixmpp user's message to a SparkWeb user with no open
event stream is pushed exactly once (stored offline by Openfire, or received by a session
without a page), decryptable, with the right text; with a stream open, nothing is pushed."""
import uuid

import pytest

from harness.push_service import PushService
from harness.sse import EventStream
from harness.xmpp import XmppPeer


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
                "chat", text, "Bob (bob@%s)" % target.domain), note
            device.none_within(2)
            with EventStream(target, token) as stream:
                stream.next("onConnect")
                peer.send_message("alice@" + target.domain, "on the page")
                stream.next("chatapi.chat", where=lambda e: e.data.get("body") == "on the page")
                device.none_within(2)
        finally:
            alice.delete("/webpush/subscribe/" + device.name)
            peer.close()
