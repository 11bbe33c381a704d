"""The event stream (/sparkweb/sse) and the chat and presence REST calls that feed it."""
import time
import uuid

import pytest

from harness.sse import EventStream
from harness.target import GRACE_SECONDS

TRICKY = 'quote " backslash \\ newline\nline two <&> \u00e9 emoji \U0001F600 \'single\''


@pytest.fixture
def bob_token(target):
    return target.login("bob")


def send_chat(target, token, to, **kwargs):
    with target.client(token) as client:
        response = client.post("/chat/message/" + to, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def unique(prefix):
    return "%s %s" % (prefix, uuid.uuid4().hex[:8])


def events_until(stream, where, timeout=15):
    """Every event the stream receives up to and including the first matching ``where``."""
    seen = []
    while not seen or not where(seen[-1]):
        seen.append(stream.next(timeout=timeout))
    return seen


def test_stream_opens_with_retry_and_on_connect(target, bob_token):
    with EventStream(target, bob_token) as stream:
        hello = stream.next("onConnect")
        assert stream.status == 200, stream.status
        assert stream.headers["content-type"].startswith("text/event-stream"), stream.headers
    assert hello.data["username"] == "bob" and hello.data["email"], hello.data
    assert hello.id, "onConnect has no id"
    assert stream.retry and stream.retry > 0, "no retry hint"


def test_stream_requires_a_valid_token(target):
    import httpx
    with httpx.Client(timeout=30) as client:
        response = client.get(target.base_url + "/sparkweb/sse", params={"token": "forged"})
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized", response.text


def test_authorization_header_works_for_the_stream(target, bob_token):
    with EventStream(target, bob_token, use_header=True) as stream:
        assert stream.next("onConnect").data["username"] == "bob"


def test_message_body_arrives_intact(target, alice_token, bob_token):
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        sent = send_chat(target, alice_token, "bob", content=TRICKY.encode("utf-8"),
                         headers={"Content-Type": "text/plain; charset=utf-8"})
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") is not None)
    assert event.data["body"] == TRICKY, "body changed: %r" % event.data["body"]
    assert event.data["from"].startswith("alice@" + target.domain), event.data
    assert event.data["to"].startswith("bob@" + target.domain), event.data
    assert event.data["type"] == "chat" and event.id, event
    assert sent["to"] == "bob@" + target.domain, sent


def test_json_message_carries_data_and_data_only_is_a_notification(target, alice_token,
                                                                   bob_token):
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        send_chat(target, alice_token, "bob", json={"body": "see data", "data": {"n": [1, "x"]}})
        chat = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == "see data")
        send_chat(target, alice_token, "bob", json={"data": {"ping": True}})
        notify = stream.next("chatapi.notify")
    assert chat.data["data"] == {"n": [1, "x"]}, chat.data
    assert notify.data["data"] == {"ping": True}, notify.data


def test_chat_state_arrives_as_its_own_event(target, alice_token, bob_token):
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        with target.client(alice_token) as client:
            response = client.post("/chat/chatstate/composing/bob")
        assert response.status_code == 200, response.text
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("state") == "composing")
    assert event.data["from"].startswith("alice@"), event.data


@pytest.mark.parametrize("path", ["/chat/chatstate/typing/bob", "/chat/message/bad%20jid",
                                  "/chat/message/a@b@c", "/chat/chatstate/paused/@nohost"])
def test_bad_state_or_jid_is_400(target, alice, path):
    response = alice.post(path, content="hello")
    assert response.status_code == 400, "%s -> %s %s" % (path, response.status_code, response.text)
    assert response.json()["error"] == "bad_request", response.text


def test_presence_set_over_rest_reaches_contacts(target, alice_token, bob_token):
    status = unique("lunch")
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        with target.client(alice_token) as client:
            assert client.post("/presence", json={"show": "away", "status": status}).status_code == 200
        event = stream.next("chatapi.presence", where=lambda e: e.data.get("status") == status)
    assert event.data["type"] == "available" and event.data["show"] == "away", event.data
    assert event.data["from"].startswith("alice@"), event.data
    with target.client(bob_token) as client:
        probed = client.get("/presence/alice").json()
    assert probed["show"] == "away" and probed["status"] == status, probed
    with target.client(alice_token) as client:
        assert client.post("/presence", json={"show": "available"}).status_code == 200


def test_bad_presence_is_400(target, alice):
    for body in ({"show": "sleeping"}, {"status": 5}, ["away"]):
        response = alice.post("/presence", json=body)
        assert response.status_code == 400, "%s -> %s" % (body, response.text)


def test_probe_needs_permission_and_offline_reads_unavailable(target, alice, bob_token):
    assert alice.get("/presence/carol").status_code == 400, "probed a non-contact"
    assert alice.get("/presence/nobody-at-all").status_code == 400, "probed a non-user"
    with EventStream(target, target.login("alice")) as watcher:
        watcher.next("onConnect")
        with target.client(bob_token) as client:
            assert client.post("/logout").status_code == 200
        watcher.next("chatapi.presence", where=lambda e: e.data["from"].startswith("bob@")
                     and e.data["type"] == "unavailable")
    probed = alice.get("/presence/bob").json()
    assert probed["type"] == "unavailable", "logged-out bob not offline: %r" % probed


def test_roster_with_presence_lists_contacts(target, alice_token, bob_token):
    with target.client(alice_token) as client:
        roster = client.get("/presence/roster").json()["roster"]
    by_jid = dict((item["jid"], item) for item in roster)
    bob = by_jid.get("bob@" + target.domain)
    assert bob is not None, roster
    assert bob["subscriptionType"] == 3 and bob["type"] == "available", bob
    assert "carol@" + target.domain not in by_jid, roster


def test_two_streams_both_receive_and_closing_one_keeps_the_other(target, alice_token, bob_token):
    first, second = EventStream(target, bob_token), EventStream(target, bob_token)
    try:
        first.next("onConnect"), second.next("onConnect")
        text = unique("both")
        send_chat(target, alice_token, "bob", content=text)
        for stream in (first, second):
            stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
        first.close()
        text = unique("still")
        send_chat(target, alice_token, "bob", content=text)
        second.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
    finally:
        first.close()
        second.close()


def test_reconnect_with_last_event_id_replays_what_was_missed(target, alice_token, bob_token):
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        seen = unique("seen")
        send_chat(target, alice_token, "bob", content=seen)
        last = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == seen)
    missed = unique("missed")
    send_chat(target, alice_token, "bob", content=missed)
    with EventStream(target, bob_token, last_event_id=last.id) as stream:
        replayed = stream.next("chatapi.chat", where=lambda e: e.data.get("body") is not None)
    assert replayed.data["body"] == missed, "replayed %r, expected the missed message" % replayed


def test_raw_stanzas_only_for_streams_that_ask(target, alice_token, bob_token):
    import base64
    with EventStream(target, bob_token, raw=True) as raw, EventStream(target, bob_token) as plain:
        raw.next("onConnect"), plain.next("onConnect")
        text = unique("raw")
        send_chat(target, alice_token, "bob", content=text)
        event = raw.next("chatapi.xmpp", where=lambda e: text in base64.b64decode(
            e.data["xmpp"]).decode("utf-8"))
        plain.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
        # A raw event for a message comes right behind its chat event, so by the time the
        # next message's chat event arrives, any raw event of the first would have too.
        marker = unique("marker")
        send_chat(target, alice_token, "bob", content=marker)
        names = [e.name for e in events_until(plain, lambda e: e.data.get("body") == marker)]
    assert "<message" in base64.b64decode(event.data["xmpp"]).decode("utf-8"), event.data
    assert "chatapi.xmpp" not in names, "raw event on a stream that did not ask: %r" % names


def test_session_survives_a_reload_and_ends_after_the_grace_period(target, alice_token):
    bob = target.login("bob")
    gone = lambda e: e.data["from"].startswith("bob@") and e.data["type"] == "unavailable"
    with EventStream(target, alice_token) as watcher:
        watcher.next("onConnect")
        with EventStream(target, bob) as stream:
            stream.next("onConnect")
        with EventStream(target, bob) as stream:      # the reload, within the grace period
            stream.next("onConnect")
            with pytest.raises(AssertionError):       # nobody sees bob leave meanwhile
                watcher.next("chatapi.presence", timeout=GRACE_SECONDS + 2, where=gone)
        closed_at = time.time()
        watcher.next("chatapi.presence", timeout=GRACE_SECONDS + 10, where=gone)
    waited = time.time() - closed_at
    assert waited >= GRACE_SECONDS - 0.5, "session ended %.1fs after the stream closed" % waited


def test_logout_ends_the_session_at_once(target, alice_token):
    bob = target.login("bob")
    gone = lambda e: e.data["from"].startswith("bob@") and e.data["type"] == "unavailable"
    with EventStream(target, alice_token) as watcher:
        watcher.next("onConnect")
        with target.client(bob) as client:
            client.post("/presence", json={"show": "chat"})
            assert client.post("/logout").status_code == 200
        watcher.next("chatapi.presence", timeout=GRACE_SECONDS, where=gone)


def test_offline_message_reaches_the_first_stream_after_login(target, alice_token):
    with target.client(target.login("carol")) as client:
        client.post("/logout")                  # carol is offline now
    text = unique("while you were away")
    send_chat(target, alice_token, "carol", content=text)
    with EventStream(target, target.login("carol")) as stream:
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
    assert event.data["from"].startswith("alice@"), event.data


def test_message_with_body_carries_its_state_without_a_second_event(target, alice_token,
                                                                    bob_token):
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        text = unique("single")
        send_chat(target, alice_token, "bob", content=text)
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
        marker = unique("marker")
        send_chat(target, alice_token, "bob", content=marker)
        following = stream.next("chatapi.chat")
    assert event.data["state"] == "active", event.data
    assert following.data.get("body") == marker, "extra event between messages: %r" % following


MAX_MESSAGE_BYTES = 64 * 1024     # sparkweb.chat.maxMessageBytes, default


def test_a_message_larger_than_the_limit_is_413_and_one_at_the_limit_is_sent(
        target, alice_token, bob_token):
    with target.client(alice_token) as client:
        for body in ("x" * (MAX_MESSAGE_BYTES + 1), "\u00e9" * (MAX_MESSAGE_BYTES // 2 + 1)):
            response = client.post("/chat/message/bob", content=body.encode("utf-8"),
                                   headers={"Content-Type": "text/plain; charset=utf-8"})
            assert response.status_code == 413, "%d bytes -> %s" % (
                len(body.encode("utf-8")), response.status_code)
            assert response.json()["error"] == "payload_too_large", response.text
        too_much_data = client.post("/chat/message/bob", json={
            "body": "x" * (MAX_MESSAGE_BYTES // 2), "data": "y" * (MAX_MESSAGE_BYTES // 2)})
        assert too_much_data.status_code == 413, "body + data over the limit: %s" % (
            too_much_data.status_code)
    with EventStream(target, bob_token) as stream:
        stream.next("onConnect")
        largest = unique("largest").ljust(MAX_MESSAGE_BYTES, "x")
        send_chat(target, alice_token, "bob", content=largest)
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("body") == largest)
    assert event.data["from"].startswith("alice@"), event.data


def test_a_user_opening_more_streams_than_allowed_closes_the_oldest(target, alice_token):
    limit = 20                    # sparkweb.sse.maxStreamsPerUser, default
    token = target.login("bob")
    streams = []
    try:
        for _ in range(limit + 1):
            stream = EventStream(target, token)
            stream.next("onConnect")
            streams.append(stream)
        assert streams[0].ended(10), "the oldest stream stayed open beyond the limit"
        text = unique("to the newest")
        send_chat(target, alice_token, "bob", content=text)
        for stream in (streams[1], streams[-1]):
            stream.next("chatapi.chat", where=lambda e: e.data.get("body") == text)
    finally:
        for stream in streams:
            stream.close()


@pytest.fixture(scope="module")
def roomy_host():
    """A dev host whose streams may queue far more than the kernel's socket buffers hold, so
    that a stalled reader makes the server's output say "not ready" long before the queue is
    full."""
    from harness.devhost import DevHost
    from harness.target import TEST_PROPERTIES
    host = DevHost(properties=dict(TEST_PROPERTIES, **{
        "sparkweb.sse.queueBytes": str(64 * 1024 * 1024), "sparkweb.sse.queueEvents": "100000"}))
    target = host.start()
    try:
        yield target
    finally:
        host.stop()


def kernel_send_buffer_max():
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as limits:
            return int(limits.read().split()[2])
    except (OSError, ValueError, IndexError):
        return 4 * 1024 * 1024     # Linux's default


def test_a_stalled_stream_resumes_when_read_again_and_loses_nothing(roomy_host):
    import socket
    import urllib.parse
    target = roomy_host
    bob, alice = target.login("bob"), target.login("alice")
    url = urllib.parse.urlsplit(target.base_url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect((url.hostname, url.port))
    try:
        sock.sendall(("GET /sparkweb/sse?token=%s HTTP/1.1\r\nHost: %s\r\n\r\n"
                      % (bob, url.netloc)).encode())
        received = b""
        while b"event: onConnect" not in received:
            received += sock.recv(4096)
        # Not reading now: more than both sides' socket buffers can hold, so the server's
        # output stops being ready and the rest waits in the stream's queue.
        size = 60 * 1024
        count = (2 * kernel_send_buffer_max() + 1024 * 1024) // size + 1
        prefix = unique("stalled")
        with target.client(alice) as client:
            for number in range(count):
                body = ("%s %05d " % (prefix, number)).ljust(size, "x")
                assert client.post("/chat/message/bob", content=body).status_code == 200
        marker = ("%s %05d " % (prefix, count - 1)).encode()
        while marker not in received:
            chunk = sock.recv(1 << 20)
            assert chunk, "the server closed the stalled stream"
            received += chunk
    finally:
        sock.close()
    numbers = [int(line.split(prefix.encode())[1].split()[0])
               for line in received.split(b"\n") if line.startswith(b"data: ") and
               prefix.encode() in line]
    assert numbers == list(range(count)), "after resuming: %d of %d messages, first gaps %r" % (
        len(numbers), count, sorted(set(range(count)) - set(numbers))[:5])
