"""Hostile input that crosses into XMPP, with real XMPP clients (slixmpp) on a real Openfire:
text XML cannot carry must never reach (and disconnect) another user's client (9.3), and
hostile XEP-0335 data from any XMPP user must reach SparkWeb users as valid JSON, never lost
(9.12)."""
import json
import uuid
from xml.sax.saxutils import escape

import pytest

from harness.sse import EventStream
from harness.xmpp import XmppPeer

NOT_XML = ["\u0001", "x\u001by", "\ufffe", "\uffff", "a\u0000"]


@pytest.fixture
def carol_peer(target):
    peer = XmppPeer("carol@" + target.domain, target.users["carol"], target.xmpp_address)
    yield peer
    peer.close()


@pytest.fixture
def bob_peer(target):
    peer = XmppPeer("bob@" + target.domain, target.users["bob"], target.xmpp_address)
    yield peer
    peer.close()


def strict_json(text):
    """JSON.parse's view: NaN and Infinity are not JSON (Python's json.loads accepts them)."""
    def refuse(constant):
        raise ValueError("%s is not JSON" % constant)
    return json.loads(text, parse_constant=refuse)


def test_text_xml_cannot_carry_never_reaches_a_client(target, carol_peer):
    """{"body": "\\u0001"} to carol (not even a contact) made her client drop its connection."""
    with target.client(target.login("alice")) as client:
        for text in NOT_XML:
            for response in (client.post("/chat/message/carol", json={"body": text}),
                             client.post("/chat/message/carol", content=text.encode("utf-8"),
                                         headers={"Content-Type": "text/plain; charset=utf-8"})):
                assert response.status_code == 400, "%r -> %s %s" % (
                    text, response.status_code, response.text[:200])
        marker = "after " + uuid.uuid4().hex
        assert client.post("/chat/message/carol", json={"body": marker}).status_code == 200
    carol_peer.next_message(where=lambda m: m["body"] == marker)
    assert not carol_peer.disconnected.is_set(), "carol's client lost its connection"


def test_a_status_xml_cannot_carry_never_reaches_contacts(target, bob_peer):
    """A status "away\\u0001" disconnected every contact until it changed."""
    with target.client(target.login("alice")) as client:
        for text in NOT_XML:
            response = client.post("/presence", json={"show": "away", "status": "away" + text})
            assert response.status_code == 400, "%r -> %s %s" % (
                text, response.status_code, response.text[:200])
        status = "fine " + uuid.uuid4().hex[:8]
        assert client.post("/presence", json={"status": status}).status_code == 200
    bob_peer.next_presence(where=lambda p: p["status"] == status)
    assert not bob_peer.disconnected.is_set(), "bob's client lost its connection"


HOSTILE_DATA = ["[" * 50000, '{"a":' * 20000 + "1" + "}" * 20000, "1e99999", "-1e400", "NaN",
                "[Infinity]", "9" * 200000, "not json at all"]


@pytest.mark.parametrize("with_body", [True, False], ids=["chat", "notify"])
def test_hostile_xep0335_data_arrives_as_valid_json(target, bob_peer, with_body):
    """Any XMPP user can send <json> data: deep nesting dropped the message; 1e99999 and NaN
    arrived as Infinity/NaN, which a page's JSON.parse refuses."""
    name = "chatapi.chat" if with_body else "chatapi.notify"
    with EventStream(target, target.login("alice")) as stream:
        stream.next("onConnect")
        for data in HOSTILE_DATA:
            stanza_id = uuid.uuid4().hex
            body = "<body>%s</body>" % stanza_id if with_body else ""
            bob_peer.send_raw("<message to='alice@%s' type='chat' id='%s'>%s<json xmlns="
                              "'urn:xmpp:json:0'>%s</json></message>"
                              % (target.domain, stanza_id, body, escape(data)))
            event = stream.next(name, timeout=20, where=lambda e: e.data.get("id") == stanza_id)
            payload = strict_json(event.text)
            assert payload["data"] == data and payload.get("dataIsText") is True, (
                "%r...: %r" % (data[:20], event.text[:200]))
        good = uuid.uuid4().hex
        bob_peer.send_raw("<message to='alice@%s' type='chat' id='%s'><body>x</body><json xmlns="
                          "'urn:xmpp:json:0'>{\"n\": [1, 2.5]}</json></message>"
                          % (target.domain, good))
        event = stream.next("chatapi.chat", where=lambda e: e.data.get("id") == good)
    assert event.data["data"] == {"n": [1, 2.5]} and "dataIsText" not in event.data, event.data
