"""Contacts, the user's own account, the directory and groups (issue 12), black-box on every
target. Tests that need an XMPP peer or the admin console are in tests/openfire."""
import base64

import pytest

from harness.sse import EventStream

# A 1 x 1 pixel PNG: Openfire decodes vCard photos, and SparkWeb refuses what it cannot.
PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def contact(client, jid):
    found = [e for e in client.get("/roster").json()["roster"] if e["jid"] == jid]
    return found[0] if found else None


@pytest.fixture
def carol_jid(target):
    return "carol@" + target.domain


@pytest.fixture
def clean_rosters(target):
    """Takes out of alice's and carol's rosters what a test added (alice and bob stay)."""
    yield
    for user, other in (("alice", "carol"), ("carol", "alice"), ("carol", "admin")):
        with target.client(target.login(user)) as client:
            client.delete("/roster/%s@%s" % (other, target.domain))


def test_contact_added_changed_removed_with_409_and_404(target, alice, carol_jid, clean_rosters):
    added = alice.post("/roster", json={"jid": "carol", "nickname": "Caro", "groups": ["Friends"],
                                        "subscriptionType": 3})
    assert added.status_code == 200, added.text
    assert added.json()["subscription"] == "none", "a body forced a subscription: %s" % added.text
    assert alice.post("/roster", json={"jid": carol_jid}).status_code == 409
    changed = alice.put("/roster/" + carol_jid, json={"nickname": "Carol C."})
    assert changed.status_code == 200, changed.text
    assert contact(alice, carol_jid)["groups"] == ["Friends"], "absent groups were not kept"
    assert contact(alice, carol_jid)["nickname"] == "Carol C."
    assert alice.delete("/roster/" + carol_jid).status_code == 200
    assert contact(alice, carol_jid) is None, "not removed"
    for method in ("PUT", "DELETE"):
        missing = alice.request(method, "/roster/" + carol_jid, json={"nickname": "x"})
        assert missing.status_code == 404, "%s: %s" % (method, missing.status_code)


def test_roster_changes_show_on_the_stream(target, alice_token, carol_jid, clean_rosters):
    with EventStream(target, alice_token) as stream, target.client(alice_token) as alice:
        stream.next("onConnect")
        assert alice.post("/roster", json={"jid": carol_jid}).status_code == 200
        push = stream.next("chatapi.roster", where=lambda e: e.data["items"][0]["jid"] == carol_jid)
    assert push.data["items"][0]["subscription"] == "none", push.data


def test_subscription_handshake_between_two_pages(target, alice_token, carol_jid, clean_rosters):
    carol_token = target.login("carol")
    alice_jid = "alice@" + target.domain
    with EventStream(target, carol_token) as carol_stream, target.client(alice_token) as alice, \
            target.client(carol_token) as carol:
        carol_stream.next("onConnect")
        assert alice.post("/roster", json={"jid": "carol", "subscribe": True}).status_code == 200
        carol_stream.next("chatapi.presence", where=lambda e: e.data["type"] == "subscribe" and
                          e.data["from"].startswith(alice_jid))
        assert carol.post("/roster/%s/accept" % alice_jid).status_code == 200
        assert contact(alice, carol_jid)["subscription"] == "to", contact(alice, carol_jid)
        assert contact(carol, alice_jid)["subscription"] == "from", contact(carol, alice_jid)
        assert alice.get("/presence/carol").status_code == 200, "accepted, yet no presence"
        assert carol.post("/roster", json={"jid": "admin", "subscribe": True}).status_code == 200
        with target.client(target.login("admin")) as admin:
            assert admin.post("/roster/carol/refuse").status_code == 200
        assert contact(carol, "admin@" + target.domain)["subscription"] == "none"


@pytest.mark.parametrize("body", [
    {"jid": "a@b@c"}, {"jid": "carol@example.test/phone"}, {"jid": "alice"}, {"jid": 7},
    {"jid": "carol", "groups": "Friends"}, {"jid": "carol", "groups": ["a", "a"]},
    {"jid": "carol", "nickname": "\u0001"}, {"jid": "carol", "subscribe": "yes"}, {}, ["carol"]])
def test_bad_roster_input_is_400(target, alice, body, carol_jid):
    response = alice.post("/roster", json=body)
    assert response.status_code == 400, "%r: %s %s" % (body, response.status_code, response.text)
    assert response.json()["error"] == "bad_request"
    assert contact(alice, carol_jid) is None, "a refused request added carol"


def test_profile_update_is_partial_and_keeps_properties_and_tokens(target):
    token = target.login("carol")
    with target.client(token) as carol:
        carol.post("/config/properties", json=[{"name": "contacts.theme", "value": "dark"}])
        photo = {"type": "image/png", "data": PIXEL_PNG}
        answer = carol.put("/user", json={"name": "Carol Changed", "vcard": {
            "nickname": "Caz", "photo": photo}})
        assert answer.status_code == 200, answer.text
        user = carol.get("/user").json()
        assert user["name"] == "Carol Changed" and user["email"] == "carol@example.test", user
        assert user["vcard"]["nickname"] == "Caz" and user["vcard"]["photo"] == photo, user
        assert {"key": "contacts.theme", "value": "dark"} in user["properties"], user
        too_big = {"type": "image/png", "data": base64.b64encode(b"x" * 70000).decode()}
        assert carol.put("/user", json={"name": "X", "vcard": {"photo": too_big}}).status_code == 413
        assert carol.get("/user").json()["name"] == "Carol Changed", "a refused update changed it"
        assert carol.put("/user", json={"username": "alice", "name": "X"}).status_code == 400
        assert carol.put("/user", json={"name": "Carol", "vcard": {"photo": None}}).status_code == 200
        carol.post("/config/properties", json=[{"name": "contacts.theme", "value": None}])
    with target.client(target.login("alice")) as alice:
        assert alice.get("/user").json()["name"] == "Alice", "carol's update reached alice"


def test_password_change_needs_the_current_one_and_ends_other_tokens(target):
    old = target.users["carol"]
    token, other = target.login("carol"), target.login("carol")
    with target.client(token) as carol:
        wrong = carol.put("/user", json={"password": "new-" + old, "currentPassword": "nope"})
        assert wrong.status_code == 403, wrong.text
        assert carol.put("/user", json={"password": "new-" + old}).status_code == 400
        changed = carol.put("/user", json={"password": "new-" + old, "currentPassword": old})
        assert changed.status_code == 200, changed.text
    fresh = changed.json()["token"]
    try:
        with target.client(other) as stale:
            assert stale.get("/user").status_code == 401, "another token survived the change"
        with target.client() as anonymous:
            assert anonymous.post("/login/carol", content=old).status_code == 401
            assert anonymous.post("/login/carol", content="new-" + old).status_code == 200
    finally:
        with target.client(fresh) as carol:
            back = carol.put("/user", json={"password": old, "currentPassword": "new-" + old})
        assert back.status_code == 200, "password not restored: %s" % back.text


def test_a_password_change_closes_the_event_streams_of_earlier_tokens(target):
    old = target.users["carol"]
    token, watched = target.login("carol"), target.login("carol")
    with EventStream(target, watched) as stream:
        stream.next("onConnect")
        with target.client(target.login("alice")) as alice:    # the stream is live first
            assert alice.post("/chat/message/carol", json={"body": "before"}).status_code == 200
            stream.next("chatapi.chat", where=lambda e: e.data.get("body") == "before")
            with target.client(token) as carol:
                changed = carol.put("/user", json={"password": "new-" + old,
                                                   "currentPassword": old})
            assert changed.status_code == 200, changed.text
            try:
                assert stream.ended(15), "the stream of a token ended by the change stayed open"
                assert alice.post("/chat/message/carol", json={"body": "after"}
                                  ).status_code == 200
                later = []
                while not stream.events.empty():
                    later.append(stream.events.get_nowait())
                assert not [e for e in later if e.name == "chatapi.chat" and
                            e.data.get("body") == "after"], "a message after the change arrived"
            finally:
                with target.client(changed.json()["token"]) as carol:
                    back = carol.put("/user", json={"password": old,
                                                    "currentPassword": "new-" + old})
                assert back.status_code == 200, "password not restored: %s" % back.text


def test_account_deletion_is_off_by_default(target):
    with target.client(target.login("carol")) as carol:
        answer = carol.request("DELETE", "/user", json={"password": target.users["carol"]})
        assert answer.status_code == 403, answer.text
        assert carol.get("/user").status_code == 200, "carol is gone"


def test_directory_shows_names_only(target, alice):
    found = alice.get("/users", params={"search": "caro"})
    assert found.status_code == 200, found.text
    assert found.json()["users"] == [{"username": "carol", "name": "Carol"}], found.text
    assert alice.get("/users", params={"search": "carol@example"}).json()["users"] == [], \
        "emails are searched while hidden"
    for params in ({"limit": "101"}, {"start": "-1"}, {"propertyKey": "x"}, {"limit": "ten"}):
        assert alice.get("/users", params=params).status_code == 400, params


def test_groups_open_closed_missing_and_all_or_nothing(target, groups):
    with target.client(target.login("bob")) as bob:
        assert bob.get("/user/groups").json() == {"groupnames": []}
        assert bob.post("/user/groups/staff").status_code == 403
        assert bob.post("/user/groups/nope").status_code == 404
        batch = bob.post("/user/groups", json={"groupnames": ["chess", "staff"]})
        assert batch.status_code == 403, batch.text
        assert bob.get("/user/groups").json() == {"groupnames": []}, "half-applied batch"
        joined = bob.post("/user/groups/chess")
        assert joined.status_code == 200 and joined.json() == {"groupnames": ["chess"]}, joined.text
        assert bob.request("DELETE", "/user/groups", json={"groupnames": ["chess"]}).json() == {
            "groupnames": []}
    with target.client(target.login("admin")) as admin:
        assert admin.post("/user/groups", json={"groupnames": ["chess"]}).status_code == 200
        assert admin.delete("/user/groups/chess").status_code == 200
        assert admin.post("/user/groups/nope").status_code == 404, "a group was created"
