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
    with target.client(bob_token) as client:
        assert client.post("/logout").status_code == 200
    deadline = time.time() + 10
    while alice.get("/presence/bob").json()["type"] != "unavailable" and time.time() < deadline:
        time.sleep(0.2)
    assert alice.get("/presence/bob").json()["type"] == "unavailable", "logged-out bob not offline"


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
        time.sleep(0.5)
        names = [plain.events.get_nowait().name for _ in range(plain.events.qsize())]
    assert "<message" in base64.b64decode(event.data["xmpp"]).decode("utf-8"), event.data
    assert "chatapi.xmpp" not in names, "raw event on a stream that did not ask"


def test_session_survives_a_reload_and_ends_after_the_grace_period(target, alice_token):
    bob = target.login("bob")
    gone = lambda e: e.data["from"].startswith("bob@") and e.data["type"] == "unavailable"
    with EventStream(target, alice_token) as watcher:
        watcher.next("onConnect")
        with EventStream(target, bob) as stream:
            stream.next("onConnect")
        with EventStream(target, bob) as stream:      # the reload, within the grace period
            stream.next("onConnect")
            time.sleep(GRACE_SECONDS + 2)
            with pytest.raises(AssertionError):
                watcher.next("chatapi.presence", timeout=0.5, where=gone)
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
