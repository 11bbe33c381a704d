"""Contacts whose SparkWeb sessions start at the same moment, on a real Openfire.

Openfire delivers locally and synchronously: a starting session's initial presence runs
straight into the contact's session on the same thread, and the contact's answer into this
one. A session that held its lock meanwhile deadlocked with a contact starting at the same
time (issue 8.1), and with it Jetty's and Openfire's threads for good. Every wait here is
bounded, so a hang fails the test instead of the run.
"""
import concurrent.futures
import threading
import uuid

import httpx

from harness.sse import EventStream

ROUNDS = 12
TIMEOUT = 60


def sign_in_and_out(target, username, start):
    """Signs in (which starts the session) as soon as ``start`` is set; then signs out."""
    start.wait(TIMEOUT)
    try:
        token = target.login(username)
        with target.client(token) as client:
            response = client.post("/logout")
    except httpx.TimeoutException:
        raise AssertionError("%s: no answer to sign-in or sign-out within the client's "
                             "timeout (deadlock?)" % username)
    assert response.status_code == 200, "%s: logout %s" % (username, response.status_code)


def test_contacts_signing_in_at_the_same_time_do_not_deadlock(target):
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    try:
        for round_number in range(ROUNDS):
            start = threading.Event()
            started = [pool.submit(sign_in_and_out, target, name, start)
                       for name in ("alice", "bob", "alice", "bob")]
            start.set()
            done, pending = concurrent.futures.wait(started, timeout=TIMEOUT)
            assert not pending, "round %d: %d of 4 sign-ins hung for %ds (deadlock?)" % (
                round_number, len(pending), TIMEOUT)
            for future in done:
                future.result()
    finally:
        pool.shutdown(wait=False)
    # The server still works: alice's stream receives a message bob sends.
    text = "after the rounds %s" % uuid.uuid4().hex[:8]
    with EventStream(target, target.login("alice")) as stream:
        stream.next("onConnect")
        with target.client(target.login("bob")) as client:
            assert client.post("/chat/message/alice", content=text).status_code == 200
        stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text, timeout=TIMEOUT)
