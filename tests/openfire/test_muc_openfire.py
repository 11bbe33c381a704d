"""Group chat on a real Openfire with slixmpp clients as the other occupants and as the owner
who configures rooms: what SparkWeb users and XMPP clients see of each other, and Openfire's
own rules (members-only, passwords, hidden rooms, anonymity, kicks and bans) coming through
SparkWeb's answers."""
import queue
import uuid

import pytest

from harness.sse import EventStream
from harness.xmpp_muc import MucPeer


def new_room(target, prefix="of"):
    name = "%s-%s" % (prefix, uuid.uuid4().hex[:8])
    return name, "%s@conference.%s" % (name, target.domain)


@pytest.fixture
def carol(target):
    peer = MucPeer("carol@" + target.domain, target.users["carol"], target.xmpp_address)
    yield peer
    peer.close()


@pytest.fixture
def alice_token(target):
    return target.login("alice")


@pytest.fixture
def bob_token(target):
    return target.login("bob")


def muc_event(stream, **fields):
    return stream.next("chatapi.muc", where=lambda e: all(
        e.data.get(k) == v for k, v in fields.items()))


def test_join_post_leave_between_sparkweb_and_an_xmpp_client(target, carol, alice_token):
    name, room = new_room(target)
    carol.create_room(room, "Carol")
    with EventStream(target, alice_token) as stream, target.client(alice_token) as alice:
        stream.next("onConnect")
        assert alice.put("/groupchat/room/" + name, params={"nick": "Alice"}).status_code == 200
        muc_event(stream, change="present", nick="Carol")
        carol.next_presence(where=lambda p: p["from"] == room + "/Alice" and
                            p["type"] == "available")
        text = "from rest " + uuid.uuid4().hex
        assert alice.post("/groupchat/room/" + name, content=text).status_code == 200
        got = carol.next_message(where=lambda m: m["body"] == text)
        assert got["from"] == room + "/Alice" and got["type"] == "groupchat", got
        reply = "from slixmpp " + uuid.uuid4().hex
        carol.say(room, reply)
        event = muc_event(stream, body=reply)
        assert event.data["nick"] == "Carol" and event.data["mine"] is False, event.data
        carol.leave(room, "Carol")
        muc_event(stream, change="left", nick="Carol")
        carol.join(room, "Carol")
        muc_event(stream, change="joined", nick="Carol")
        assert alice.delete("/groupchat/room/" + name).status_code == 200
        carol.next_presence(where=lambda p: p["from"] == room + "/Alice" and
                            p["type"] == "unavailable")


def test_invitations_both_ways(target, carol, alice_token):
    name, room = new_room(target)
    with EventStream(target, alice_token) as stream, target.client(alice_token) as alice:
        stream.next("onConnect")
        assert alice.put("/groupchat/room/" + name).status_code == 200
        sent = alice.post("/groupchat/room/%s/carol" % name, content="come over")
        assert sent.status_code == 200, sent.text
        invitation = carol.next_message(where=lambda m: m["invite_from"] is not None)
        assert invitation["from"] == room, invitation
        assert invitation["invite_from"].startswith("alice@" + target.domain), invitation
        other, other_jid = new_room(target)
        carol.create_room(other_jid, "Carol")
        carol.invite(other_jid, "alice@" + target.domain, "mediated")
        mediated = muc_event(stream, type="invitation", room=other_jid)
        assert mediated.data["direct"] is False and mediated.data["reason"] == "mediated"
        assert mediated.data["from"].startswith("carol@" + target.domain), mediated.data
        carol.invite_directly(other_jid, "alice@" + target.domain, "direct")
        direct = muc_event(stream, type="invitation", direct=True)
        assert direct.data["room"] == other_jid and direct.data["reason"] == "direct"
        assert alice.delete("/groupchat/room/" + name).status_code == 200


def test_members_only_and_password_rooms(target, carol, alice_token):
    club, club_jid = new_room(target, "club")
    carol.create_room(club_jid, "Carol", members_only=True)
    vault, vault_jid = new_room(target, "vault")
    carol.create_room(vault_jid, "Carol", password="s3cret-pw")
    with target.client(alice_token) as alice:
        refused = alice.put("/groupchat/room/" + club)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "registration-required", refused.text
        carol.set_affiliation(club_jid, "alice@" + target.domain, "member")
        assert alice.put("/groupchat/room/" + club).status_code == 200
        for body in (None, {"password": "wrong"}):
            answer = alice.put("/groupchat/room/" + vault, json=body)
            assert answer.status_code == 401 and answer.json()["error"] == "not-authorized", \
                answer.text
            assert "WWW-Authenticate" not in answer.headers, "a room refusal asked for a token"
        admitted = alice.put("/groupchat/room/" + vault, json={"password": "s3cret-pw"})
        assert admitted.status_code == 200, admitted.text
        room = alice.get("/groupchat/room/" + vault).json()
        assert room["passwordProtected"] is True, room
        assert "s3cret-pw" not in repr(room) and "password" not in room, room
        for name in (club, vault):
            assert alice.delete("/groupchat/room/" + name).status_code == 200


def test_hidden_room_answers_a_non_member_as_a_missing_room(target, carol, alice_token):
    hidden, hidden_jid = new_room(target, "hidden")
    carol.create_room(hidden_jid, "Carol", public=False, members_only=True)
    missing, _ = new_room(target, "hidden")
    with target.client(alice_token) as alice:
        listed = alice.get("/groupchat/rooms", params={"type": "all", "search": hidden})
        assert listed.json()["chatRooms"] == [] and listed.json()["count"] == 0, listed.text
        for suffix in ("", "/occupants", "/participants", "/chathistory"):
            seen = alice.get("/groupchat/room/" + hidden + suffix)
            absent = alice.get("/groupchat/room/" + missing + suffix)
            assert seen.status_code == absent.status_code == 404, (suffix, seen.text)
            assert seen.json()["message"].replace(hidden, "R") == \
                absent.json()["message"].replace(missing, "R"), (seen.text, absent.text)
        seen = alice.get("/groupchat/messages", params={"room": hidden})     # the archive
        absent = alice.get("/groupchat/messages", params={"room": missing})
        assert seen.status_code == absent.status_code == 404, (seen.text, absent.text)
        assert seen.json() == absent.json(), (seen.text, absent.text)
        carol.set_affiliation(hidden_jid, "alice@" + target.domain, "member")
        listed = alice.get("/groupchat/rooms", params={"type": "all", "search": hidden})
        assert [r["roomName"] for r in listed.json()["chatRooms"]] == [hidden], listed.text
        assert listed.json()["count"] == 1, listed.text
        assert alice.get("/groupchat/room/%s/chathistory" % hidden).status_code == 200


def test_lists_and_real_jids_only_for_those_who_may_see_them(target, carol, alice_token,
                                                            bob_token):
    name, room = new_room(target, "anon")
    carol.create_room(room, "Carol")
    carol.set_affiliation(room, "outcast-%s@%s" % (uuid.uuid4().hex[:6], target.domain),
                          "outcast")
    with target.client(alice_token) as alice:
        assert alice.put("/groupchat/room/" + name, params={"nick": "Alice"}).status_code == 200
        body = alice.get("/groupchat/room/" + name).json()
        assert body["outcasts"] == [] and body["members"] == [] and "password" not in body, body
        occupants = alice.get("/groupchat/room/%s/occupants" % name).json()["occupants"]
        assert occupants and all(o["userAddress"] is None for o in occupants), occupants
        carol.set_affiliation(room, "alice@" + target.domain, "admin")
        body = alice.get("/groupchat/room/" + name).json()
        assert len(body["outcasts"]) == 1, "an admin does not see the outcast list: %r" % body
        occupants = alice.get("/groupchat/room/%s/occupants" % name).json()["occupants"]
        assert any(o["userAddress"] and o["userAddress"].startswith("carol@")
                   for o in occupants), "a moderator does not see real JIDs: %r" % occupants
        assert alice.delete("/groupchat/room/" + name).status_code == 200
    open_name, open_room = new_room(target, "open")
    carol.create_room(open_room, "Carol", non_anonymous=True)
    with target.client(bob_token) as bob:
        outside = bob.get("/groupchat/room/%s/occupants" % open_name).json()["occupants"]
        assert outside and all(o["userAddress"] is None for o in outside), \
            "attack A1: real JIDs shown to a non-occupant: %r" % outside
        assert bob.put("/groupchat/room/" + open_name).status_code == 200
        occupants = bob.get("/groupchat/room/%s/occupants" % open_name).json()["occupants"]
        assert any((o["userAddress"] or "").startswith("carol@") for o in occupants), occupants
        assert bob.delete("/groupchat/room/" + open_name).status_code == 200


def test_anonymous_room_events_hide_real_jids(target, carol, alice_token):
    name, room = new_room(target, "anon")
    carol.create_room(room, "Carol")
    with EventStream(target, alice_token) as stream, target.client(alice_token) as alice:
        stream.next("onConnect")
        assert alice.put("/groupchat/room/" + name).status_code == 200
        present = muc_event(stream, change="present", nick="Carol")
        assert present.data["occupantJid"] is None, present.data
        text = "anon " + uuid.uuid4().hex
        carol.say(room, text)
        assert muc_event(stream, body=text).data["occupantJid"] is None
        assert alice.delete("/groupchat/room/" + name).status_code == 200


def test_kicked_and_banned_user_gets_the_event_and_is_out(target, carol, alice_token):
    name, room = new_room(target, "strict")
    carol.create_room(room, "Carol")
    with EventStream(target, alice_token) as stream, target.client(alice_token) as alice:
        stream.next("onConnect")
        assert alice.put("/groupchat/room/" + name, params={"nick": "Al"}).status_code == 200
        carol.kick(room, "Al", "behave")
        kicked = muc_event(stream, change="kicked", self=True)
        assert kicked.data["reason"] == "behave", kicked.data
        assert alice.post("/groupchat/room/" + name, content="x").status_code == 404
        occupants = alice.get("/groupchat/room/%s/occupants" % name).json()["occupants"]
        assert [o["jid"] for o in occupants] == [room + "/Carol"], occupants
        assert alice.put("/groupchat/room/" + name, params={"nick": "Al"}).status_code == 200
        carol.set_affiliation(room, "alice@" + target.domain, "outcast")
        muc_event(stream, change="banned", self=True)
        again = alice.put("/groupchat/room/" + name, params={"nick": "Al"})
        assert again.status_code == 403 and again.json()["error"] == "forbidden", again.text


def test_logout_leaves_rooms_as_an_xmpp_client_sees_it(target, carol):
    name, room = new_room(target, "bye")
    carol.create_room(room, "Carol")
    token = target.login("bob")
    with target.client(token) as bob:
        assert bob.put("/groupchat/room/" + name, params={"nick": "Bob"}).status_code == 200
        carol.next_presence(where=lambda p: p["from"] == room + "/Bob" and
                            p["type"] == "available")
        assert bob.post("/logout").status_code == 200
    carol.next_presence(where=lambda p: p["from"] == room + "/Bob" and p["type"] == "unavailable")


def queued(items):
    """What a peer's queue holds now, without waiting."""
    found = []
    while True:
        try:
            found.append(items.get_nowait())
        except queue.Empty:
            return found


def test_twenty_stream_reloads_keep_the_room_joined_as_an_xmpp_client_sees_it(
        target, carol, alice_token):
    name, room = new_room(target, "reload")
    carol.create_room(room, "Carol")
    with target.client(alice_token) as alice:
        assert alice.put("/groupchat/room/" + name, params={"nick": "Alice"}).status_code == 200
        carol.next_presence(where=lambda p: p["from"] == room + "/Alice" and
                            p["type"] == "available")
        for _ in range(20):
            with EventStream(target, alice_token) as stream:
                stream.next("onConnect")
        with EventStream(target, alice_token) as stream:
            stream.next("onConnect")
            marker = "after the reloads " + uuid.uuid4().hex
            posted = alice.post("/groupchat/room/" + name, content=marker)
            assert posted.status_code == 200, "alice is out of the room: %s" % posted.text
            carol.next_message(where=lambda m: m["body"] == marker)
            # Openfire sends carol presences and messages in order: any presence alice's
            # reloads caused is queued before the marker.
            gone = [p for p in queued(carol.presences) if p["from"] == room + "/Alice" and
                    p["type"] == "unavailable"]
            assert gone == [], "the room saw alice leave during the reloads: %r" % gone
            reply = "still here " + uuid.uuid4().hex
            carol.say(room, reply)
            assert muc_event(stream, body=reply).data["nick"] == "Carol"
        assert alice.delete("/groupchat/room/" + name).status_code == 200


def test_the_users_phone_and_sparkweb_share_a_nickname_and_the_phone_leaving_keeps_sparkweb_in(
        target, carol, alice_token):
    """Review R11-10: Openfire admits a user's second client under the same nickname and tells
    only the leaving client when one of them leaves; SparkWeb must stay in the room then (a
    self-presence it took for its own leave would drop the room: posts would be 404)."""
    name, room = new_room(target, "shared")
    carol.create_room(room, "Carol")
    phone = MucPeer("alice@" + target.domain, target.users["alice"], target.xmpp_address,
                    resource="phone")
    try:
        phone.join(room, "Alice")
        with EventStream(target, alice_token) as stream, target.client(alice_token) as alice:
            stream.next("onConnect")
            joined = alice.put("/groupchat/room/" + name, params={"nick": "Alice"})
            assert joined.status_code == 200 and joined.json()["nick"] == "Alice", joined.text
            phone.leave(room, "Alice")
            phone.next_presence(where=lambda p: p["from"] == room + "/Alice" and
                                p["type"] == "unavailable")
            text = "after the phone left " + uuid.uuid4().hex
            posted = alice.post("/groupchat/room/" + name, content=text)
            assert posted.status_code == 200, posted.text
            assert carol.next_message(where=lambda m: m["body"] == text)["from"] == \
                room + "/Alice"
            rooms = alice.get("/groupchat/rooms", params={"search": name}).json()["chatRooms"]
            assert [(r["roomName"], r["joined"]) for r in rooms] == [(name, True)], rooms
            assert alice.delete("/groupchat/room/" + name).status_code == 200
    finally:
        phone.close()
