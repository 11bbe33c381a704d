"""Contacts, account and groups on a real Openfire, seen by real XMPP clients (slixmpp) and set
up through the admin console: roster pushes, subscription handshakes both ways, shared groups,
password changes, account deletion and the administrator's switches."""
import queue
import secrets
import uuid

import pytest

from harness.openfire_admin import AdminConsole
from harness.passkeys import Passkey, page_origin, register, sign_in
from harness.sse import EventStream
from harness.target import Target
from harness.xmpp import XmppClient, XmppPeer, _next


class RosterPeer(XmppPeer):
    """A peer that answers subscription requests only when told, and records roster pushes."""

    def __init__(self, *args, **kwargs):
        self.pushes = queue.Queue()
        XmppPeer.__init__(self, *args, **kwargs)

    def _started(self, event):
        self._client.roster.auto_authorize = False
        self._client.roster.auto_subscribe = False
        self._client.add_event_handler("roster_update", lambda iq: [self.pushes.put(
            {"jid": str(jid), "subscription": item["subscription"]})
            for jid, item in iq["roster"]["items"].items()])
        XmppPeer._started(self, event)

    def next_push(self, where, timeout=15):
        return _next(self.pushes, where, timeout, "roster push")


@pytest.fixture(scope="module")
def console(server, target):
    console = AdminConsole(server, target.users["admin"])
    yield console
    console.close()


@pytest.fixture
def fresh_user(console, target):
    """A user of this test only, created (and deleted) through the admin console."""
    name, password = "u" + uuid.uuid4().hex[:8], secrets.token_urlsafe(12)
    console.create_user(name, password)
    target.users[name] = password
    yield name
    console.delete_user(name)
    target.users.pop(name, None)


def peer(target, name, password=None):
    return RosterPeer("%s@%s" % (name, target.domain), password or target.users[name],
                      target.xmpp_address)


def contact(client, jid):
    found = [e for e in client.get("/roster").json()["roster"] if e["jid"] == jid]
    return found[0] if found else None


def test_rest_change_is_pushed_to_the_users_xmpp_client(target, fresh_user):
    phone = peer(target, fresh_user)
    try:
        with target.client(target.login(fresh_user)) as page:
            assert page.post("/roster", json={"jid": "carol", "nickname": "C"}).status_code == 200
            phone.next_push(lambda p: p["jid"] == "carol@" + target.domain)
            assert page.delete("/roster/carol@" + target.domain).status_code == 200
            phone.next_push(lambda p: p["jid"] == "carol@" + target.domain and
                            p["subscription"] == "remove")
    finally:
        phone.close()


def test_subscription_handshake_page_asks_xmpp_client_accepts(target, fresh_user, console):
    other = "u" + uuid.uuid4().hex[:8]
    console.create_user(other, "pw-" + other)
    other_jid, mine = "%s@%s" % (other, target.domain), "%s@%s" % (fresh_user, target.domain)
    client = peer(target, other, "pw-" + other)
    token = target.login(fresh_user)
    try:
        with EventStream(target, token) as stream, target.client(token) as page:
            stream.next("onConnect")
            assert page.post("/roster", json={"jid": other_jid, "subscribe": True}).status_code == 200
            client.next_presence(lambda p: p["type"] == "subscribe" and p["from"].startswith(mine))
            client.send_presence(pto=mine, ptype="subscribed")
            stream.next("chatapi.roster", where=lambda e: e.data["items"][0]["jid"] == other_jid
                        and e.data["items"][0]["subscription"] == "to")
            assert contact(page, other_jid)["subscription"] == "to", contact(page, other_jid)
            # ... and the other way: the XMPP client asks, the page accepts.
            client.send_presence(pto=mine, ptype="subscribe")
            stream.next("chatapi.presence", where=lambda e: e.data["type"] == "subscribe" and
                        e.data["from"].startswith(other_jid))
            assert page.post("/roster/%s/accept" % other_jid).status_code == 200
            client.next_presence(lambda p: p["type"] == "subscribed" and p["from"].startswith(mine))
            assert contact(page, other_jid)["subscription"] == "both", contact(page, other_jid)
    finally:
        client.close()
        console.delete_user(other)


def test_shared_group_contact_is_marked_and_cannot_be_removed(target, fresh_user, console):
    group = "g" + uuid.uuid4().hex[:8]
    other = "u" + uuid.uuid4().hex[:8]
    console.create_user(other, "pw-" + other)
    console.create_group(group, [fresh_user, other], shared_as="Team " + group)
    try:
        with target.client(target.login(fresh_user)) as page:
            jid = "%s@%s" % (other, target.domain)
            shared = contact(page, jid)
            assert shared and shared["shared"] and shared["groups"] == ["Team " + group], shared
            assert page.delete("/roster/" + jid).status_code == 400
            assert page.put("/roster/" + jid, json={"nickname": "x"}).status_code == 400
            added = page.post("/roster", json={"jid": "carol", "groups": ["Team " + group]})
            assert added.status_code == 400, added.text
            assert contact(page, jid) is not None, "the shared contact went away"
    finally:
        console.delete_group(group)
        console.delete_user(other)


def test_password_change_reaches_xmpp_and_profile_change_keeps_tokens(target, fresh_user):
    old = target.users[fresh_user]
    token, other_token = target.login(fresh_user), target.login(fresh_user)
    jid = "%s@%s" % (fresh_user, target.domain)
    passkey = Passkey(page_origin(target))
    with target.client(token) as page:
        assert register(page, fresh_user, passkey).status_code == 200, "no passkey to keep"
        page.post("/config/properties", json=[{"name": "contacts.theme", "value": "dark"}])
        assert page.put("/user", json={"name": "Renamed", "vcard": {"nickname": "N"}}).status_code == 200
        with target.client() as anonymous:
            assert sign_in(anonymous, fresh_user, passkey)[0].status_code == 200, \
                "the passkey stopped working after PUT /user"
        assert page.get("/config/properties").json()["properties"] == [
            {"key": "contacts.theme", "value": "dark"}], "PUT /user touched properties"
        with target.client(other_token) as other:
            assert other.get("/user").json()["vcard"]["nickname"] == "N", "other token refused"
        changed = page.put("/user", json={"password": "new-" + old, "currentPassword": old})
        assert changed.status_code == 200, changed.text
    with target.client(other_token) as other:
        assert other.get("/user").status_code == 401, "another token survived the change"
    with target.client(changed.json()["token"]) as page:
        assert page.get("/user").status_code == 200, "the fresh token does not work"
    assert XmppClient(jid, "new-" + old, target.xmpp_address).login(), "new password refused"
    assert refused_over_xmpp(jid, old, target), "the old password was not refused"
    target.users[fresh_user] = "new-" + old



def test_a_vcard_set_by_the_users_xmpp_client_shows_at_once_after_one_was_missing(
        target, fresh_user):
    """SparkWeb remembers users without a vCard (openfire/live_vcards: Openfire queries its
    database for them on every lookup); a vCard made meanwhile by any client must still show
    on the very next GET /user, and a deleted one must go."""
    with target.client(target.login(fresh_user)) as page:
        assert page.get("/user").json()["vcard"] == {}, "a fresh user has a vCard"
        assert page.get("/user").json()["vcard"] == {}, "the remembered absence answers"
        phone = peer(target, fresh_user)
        try:
            answer = phone.request("<vCard xmlns='vcard-temp'><NICKNAME>Phone-made</NICKNAME>"
                                   "</vCard>", type="set")
            assert "type=\"result\"" in answer or "type='result'" in answer, answer
            assert page.get("/user").json()["vcard"].get("nickname") == "Phone-made", \
                "the vCard set over XMPP is not seen after an absence was remembered"
            answer = phone.request("<vCard xmlns='vcard-temp'/>", type="set")
            assert "type=\"result\"" in answer or "type='result'" in answer, answer
        finally:
            phone.close()
        assert "nickname" not in page.get("/user").json()["vcard"], \
            "the vCard emptied over XMPP still shows its old nickname"

def refused_over_xmpp(jid, password, target):
    """True only when the server answered the sign-in with a failure (not for a connection
    that never got that far, which would make a refusal check pass for nothing)."""
    client = XmppClient(jid, password, target.xmpp_address)
    client.login()
    return client.failed.is_set() and not client.session_started.is_set()


def test_account_deletion_when_enabled_removes_the_account_for_xmpp(target, fresh_user, console):
    jid = "%s@%s" % (fresh_user, target.domain)
    assert XmppClient(jid, target.users[fresh_user], target.xmpp_address).login(), \
        "the account cannot sign in over XMPP before its deletion"
    token = target.login(fresh_user)
    with target.client(token) as page:
        body = {"password": target.users[fresh_user]}
        assert page.request("DELETE", "/user", json=body).status_code == 403, "on by default"
        console.save_settings(**{"sparkweb.account.deleteEnabled": "true"})
        try:
            assert page.request("DELETE", "/user", json={"password": "wrong"}).status_code == 403
            assert page.request("DELETE", "/user", json=body).status_code == 200
            assert page.get("/user").status_code == 401, "the token outlived the account"
        finally:
            console.save_settings(**{"sparkweb.account.deleteEnabled": ""})
    assert refused_over_xmpp(jid, target.users[fresh_user], target), \
        "the deleted account was not refused over XMPP"
    with target.client(target.login("admin")) as admin:
        assert admin.request("DELETE", "/user", json={
            "password": target.users["admin"]}).status_code == 403, "admin deletable"


def test_directory_can_be_switched_off(target, console):
    with target.client(target.login("alice")) as page:
        assert page.get("/users", params={"search": "bob"}).json()["users"] == [
            {"username": "bob", "name": "Bob"}]
        console.save_settings(**{"sparkweb.directory.enabled": "false"})
        try:
            assert page.get("/users").status_code == 403
        finally:
            console.save_settings(**{"sparkweb.directory.enabled": ""})
        console.save_settings(**{"sparkweb.directory.showEmail": "true"})
        try:
            found = page.get("/users", params={"search": "bob@example"}).json()["users"]
            assert found == [{"username": "bob", "name": "Bob", "email": "bob@example.test"}], found
        finally:
            console.save_settings(**{"sparkweb.directory.showEmail": ""})
