"""On a real Openfire: a message that reached the user's SparkWeb session while no page was
open, and that no page saw before the session ended, is stored offline by Openfire and reaches
the user's next client, marked as delayed (session.user_session, live_webpush.store_unread)."""
import time
import uuid

from harness.sse import EventStream
from harness.xmpp import XmppPeer

PING = "<ping xmlns='urn:xmpp:ping'/>"


def test_a_message_no_page_saw_reaches_the_next_client_after_a_sign_out(target):
    token = target.login("carol")
    bob = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    try:
        with target.client(token) as client:
            with EventStream(target, token) as stream:   # the page opens the session, closes
                stream.next("onConnect")
            # The server notices a closed stream when a heartbeat (1 s here) fails to write;
            # REST calls meanwhile keep the session past its grace period, as a page would.
            for _ in range(6):
                assert client.get("/user").status_code == 200
                time.sleep(0.5)
            text = "unread " + uuid.uuid4().hex
            bob.send_message("carol@" + target.domain, text)
            # Openfire handles one connection's stanzas in order: once SparkWeb's session has
            # answered this ping, the message reached it (and not Openfire's offline store).
            answer = bob.request(PING, to="carol@%s/sparkweb" % target.domain)
            assert "result" in answer and "error" not in answer, answer
            assert client.post("/logout").status_code in (200, 204)
    finally:
        bob.close()
    phone = XmppPeer("carol@" + target.domain, target.users["carol"], target.xmpp_address,
                     resource="phone")
    try:
        message = phone.next_message(where=lambda m: m["body"] == text)
        assert message["delayed"], "stored without a delay stamp: %r" % message
    finally:
        phone.close()
