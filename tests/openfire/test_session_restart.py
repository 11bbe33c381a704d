"""A user's next SparkWeb session starting while the previous one is still closing, on a real
Openfire.

Closing an XMPP session is asynchronous inside Openfire: its close listeners run on the
common pool, and the last of them removes the route of the session's full JID. Up to 5.0,
that removal takes whatever route has the address, so when a sign-out (or an idle expiry)
and the next sign-in of the same user overlap, the old session's removal takes the new
session's route: the new session is then unreachable (messages to it go offline, its
requests time out) while the page believes it is signed in.
"""
import concurrent.futures
import threading
import uuid

import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer

ROUNDS = 12
TIMEOUT = 30
DELIVERY_SECONDS = 10


@pytest.fixture
def bob_peer(target):
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    yield peer
    peer.close()


def sign_out(target, token, start):
    start.wait(TIMEOUT)
    with target.client(token) as client:
        return client.post("/logout").status_code


def sign_in(target, start):
    start.wait(TIMEOUT)
    return target.login("alice")


def test_a_session_started_while_the_last_one_closes_stays_reachable(target, bob_peer):
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    full_jid = "alice@%s/sparkweb" % target.domain
    try:
        token = target.login("alice")
        for round_number in range(ROUNDS):
            start = threading.Event()
            out = pool.submit(sign_out, target, token, start)
            into = pool.submit(sign_in, target, start)
            start.set()
            assert out.result(TIMEOUT) == 200, "round %d: sign-out failed" % round_number
            token = into.result(TIMEOUT)
            text = "round %d %s" % (round_number, uuid.uuid4().hex[:8])
            with EventStream(target, token) as stream:
                stream.next("onConnect", timeout=TIMEOUT)
                bob_peer.send_message(full_jid, text)
                stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text,
                            timeout=DELIVERY_SECONDS)
    finally:
        pool.shutdown(wait=False)
