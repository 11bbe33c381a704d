"""Bookmarks over HTTP: shared ones (Openfire's Bookmarks plugin; administrators change them)
seen by exactly the users they are for, a user's own (XEP-0402) by that user only, and bad
input refused with a 4xx.

On a real Openfire, group ``team`` (alice) is made through the admin console, and the shared
bookmark tests skip with the reason where the Bookmarks plugin is not installed."""
import uuid

import pytest

from harness import targets
from harness.openfire_admin import AdminConsole

GROUP = "team"


@pytest.fixture(scope="module")
def team(request, target):
    """Group ``team`` with alice as its member (the dev host has it from the start)."""
    if target.name == "openfire":
        console = AdminConsole(targets.get_server(request.config, "openfire"),
                               target.users["admin"])
        try:
            console.create_group(GROUP, ["alice"])
        finally:
            console.close()
    return GROUP


@pytest.fixture
def plugin(request, target):
    """Skips where the Bookmarks plugin is not installed in the real Openfire."""
    if target.name == "openfire":
        targets.get_server(request.config, "openfire").require_optional_plugin("bookmarks")


def tag():
    return uuid.uuid4().hex[:8]


class Session(object):
    def __init__(self, target, username):
        self.username = username
        self.client = target.client(target.login(username))

    def mine(self, suffix):
        """Names of bookmarks visible to this user that end with ``suffix``."""
        answer = self.client.get("/bookmarks")
        assert answer.status_code == 200, answer.text
        return sorted(b["name"] for b in answer.json()["bookmark"] if b["name"].endswith(suffix))


@pytest.fixture
def people(target):
    users = dict((name, Session(target, name)) for name in ("alice", "bob", "admin"))
    yield users
    for session in users.values():
        session.client.close()


def create(session, **body):
    answer = session.client.post("/bookmark", json=body)
    assert answer.status_code == 200, "%s could not create %s: %s %s" % (
        session.username, body, answer.status_code, answer.text)
    return answer.json()


def test_visibility_matrix_of_global_per_user_per_group_and_own_bookmarks(
        target, people, team, plugin):
    t = "-" + tag()
    admin, alice, bob = people["admin"], people["alice"], people["bob"]
    made = [create(admin, type="url", name="global" + t, value="https://example.org/g",
                   globalBookmark=True),
            create(admin, type="group_chat", name="for-bob" + t,
                   value="bobs-room@conference.%s" % target.domain, users=["bob"]),
            create(admin, type="url", name="for-team" + t, value="https://example.org/team",
                   groups=[team], properties=[{"key": "webapp", "value": "true"}])]
    own = create(alice, name="alice-own" + t, value="alice%s@conference.%s" % (t, target.domain),
                 properties={"autojoin": True, "nick": "Al"})
    try:
        assert alice.mine(t) == sorted(["alice-own" + t, "global" + t, "for-team" + t]), \
            alice.mine(t)
        assert bob.mine(t) == sorted(["global" + t, "for-bob" + t]), bob.mine(t)
        assert admin.mine(t) == ["global" + t], admin.mine(t)
        everything = admin.client.get("/bookmarks", params={"scope": "all"}).json()["bookmark"]
        assert sorted(b["name"] for b in everything if b["name"].endswith(t)) == sorted(
            ["global" + t, "for-bob" + t, "for-team" + t]), everything
        for_bob = "/bookmark/%d" % made[1]["bookmarkID"]
        assert alice.client.get(for_bob).status_code == 404, "alice reads bob's bookmark"
        bobs_view = bob.client.get(for_bob).json()
        assert bobs_view["name"] == "for-bob" + t and bobs_view["users"] == [], \
            "bob's view shows with whom it is shared: %r" % bobs_view     # attack A12
        assert admin.client.get(for_bob).json()["users"] == ["bob"], "the admin's view"
        own_path = "/bookmark/" + own["bookmarkID"]
        assert bob.client.get(own_path).status_code == 404, "bob reads alice's own bookmark"
        assert admin.client.get(own_path).status_code == 404, "an admin reads alice's own"
        assert dict((p["key"], p["value"]) for p in alice.client.get(own_path).json()[
            "properties"]) == {"autojoin": "true", "nick": "Al"}, "alice's own properties"
    finally:
        for bookmark in made:
            admin.client.delete("/bookmark/%d" % bookmark["bookmarkID"])
        alice.client.delete("/bookmark/" + own["bookmarkID"])
    assert alice.mine(t) == [] and bob.mine(t) == [], "deleted bookmarks still listed"


def test_a_non_administrator_cannot_create_change_or_delete_a_shared_bookmark(
        target, people, plugin):
    t = "-" + tag()
    admin, alice = people["admin"], people["alice"]
    for extra in ({"globalBookmark": True}, {"users": ["alice"]}, {"groups": [GROUP]},
                  {"shared": True}):
        body = dict(type="url", name="sneaky" + t, value="https://evil.example", **extra)
        answer = alice.client.post("/bookmark", json=body)
        assert answer.status_code == 403, (extra, answer.status_code, answer.text)
    everything = admin.client.get("/bookmarks", params={"scope": "all"}).json()["bookmark"]
    assert not [b for b in everything if b["name"].endswith(t)], "a refused create stored one"
    made = create(admin, type="url", name="global" + t, value="https://example.org",
                  globalBookmark=True)
    path = "/bookmark/%d" % made["bookmarkID"]
    try:
        for method, url, kwargs in (("PUT", path, {"json": {"name": "mine"}}),
                                    ("DELETE", path, {}),
                                    ("POST", path + "/webapp", {"content": "true"}),
                                    ("DELETE", path + "/webapp", {})):
            answer = alice.client.request(method, url, **kwargs)
            assert answer.status_code == 403, (method, url, answer.status_code)
        assert alice.client.get(path).json()["name"] == "global" + t, "changed by alice"
        changed = admin.client.post(path + "/rss", content="true").json()
        assert {"key": "rss", "value": "true"} in changed["properties"], changed
        changed = admin.client.put(path, json={"name": "renamed" + t}).json()
        assert changed["name"] == "renamed" + t and changed["globalBookmark"], changed
    finally:
        assert admin.client.delete(path).status_code == 200, "admin delete"
    assert admin.client.get(path).status_code == 404, "deleted bookmark still there"


def test_own_bookmark_properties_and_changes(target, people):
    alice = people["alice"]
    t = tag()
    room = "room%s@conference.%s" % (t, target.domain)
    create(alice, name="Room " + t, value=room)
    path = "/bookmark/" + room
    try:
        assert alice.client.post(path + "/nick", json="Alice").json()["properties"] == [
            {"key": "nick", "value": "Alice"}], "property set"
        changed = alice.client.put(path, json={"name": "Renamed " + t,
                                               "properties": {"autojoin": "true"}}).json()
        assert changed["name"] == "Renamed " + t and changed["properties"] == [
            {"key": "autojoin", "value": "true"}], changed
        assert alice.client.delete(path + "/autojoin").json()["properties"] == [], "deleted"
        assert alice.client.post("/bookmark", json={"name": "x", "value": room}).status_code \
            == 409, "a second bookmark of one room"
        assert alice.client.put(path, json={"value": "other@conference.%s" % target.domain}) \
            .status_code == 400, "moved to another room"
    finally:
        assert alice.client.delete(path).status_code == 200, "delete"
    assert alice.client.get(path).status_code == 404, "still there"
    assert alice.client.delete(path).status_code == 404, "second delete"


BAD_BODIES = [
    b"not json", b"[]", b'"text"', b"null", b"{", b"1e400",
    b'{"name": "x", "value": "javascript:alert(1)", "type": "url", "globalBookmark": true}',
    b'{"name": "x", "value": "room@conference.example.test", "type": "feed"}',
    b'{"name": "x", "value": "room@conference.example.test/nick"}',
    b'{"name": "x", "value": "@@@"}',
    b'{"name": "", "value": "room@conference.example.test"}',
    b'{"name": 5, "value": "room@conference.example.test"}',
    b'{"name": "x\\u0001", "value": "room@conference.example.test"}',
    b'{"name": "x", "value": "room@conference.example.test", "properties": "p"}',
    b'{"name": "x", "value": "room@conference.example.test", "properties": [{"name": "a b"}]}',
    b'{"name": "x", "value": "room@conference.example.test", "users": [1]}',
    b'{"name": "x", "value": "room@conference.example.test", "globalBookmark": "yes"}',
    b'{"name": "x", "value": "' + b"a" * 2000 + b'@conference.example.test"}',
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_bodies_are_a_clear_4xx(target, people, body):
    for who in ("alice", "admin"):
        client = people[who].client
        for method, path in (("POST", "/bookmark"), ("PUT", "/bookmark/1"),
                             ("PUT", "/bookmark/room@conference.example.test")):
            answer = client.request(method, path, content=body,
                                    headers={"Content-Type": "application/json"})
            assert 400 <= answer.status_code < 500 and answer.json().get("error"), (
                who, method, path, body[:60], answer.status_code, answer.text)


@pytest.mark.parametrize("path", [
    "/bookmark/99999999999999999999", "/bookmark/-1", "/bookmark/%2e%2e", "/bookmark/a%40b%2Fc",
    "/bookmark/room@conference.example.test/bad%20name", "/bookmark/1/" + "n" * 200,
    "/bookmark/%F0%9F%98%80@x"])
def test_odd_ids_and_property_names_are_a_clear_4xx(target, people, path):
    for method in ("GET", "PUT", "DELETE", "POST"):
        answer = people["alice"].client.request(method, path, json={"name": "x"})
        assert 400 <= answer.status_code < 500 or (answer.status_code == 501 and (
            target.name == "openfire")), (method, path, answer.status_code, answer.text)
