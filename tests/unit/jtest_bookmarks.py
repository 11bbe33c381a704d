"""Bookmarks (api.bookmarks) on the in-memory Openfire: shared ones in the Bookmarks plugin's
store, a user's own ones as XEP-0402 items in their PEP node, who sees and changes what."""
from __future__ import absolute_import

from sparkweb.api import bookmarks as api
from sparkweb.auth.tokens import Claims
from sparkweb.errors import ApiError
from sparkweb.session.requests import PendingRequests
from sparkweb.xmpp import iq
from sparkweb.xmpp import stanza as model
from support import FakeRequest, openfire_with_users, raised, services

ROOM = u"lobby@conference.example.test"


class Request(FakeRequest):
    def __init__(self, app, username, params=None, body=None, query=None, text=None):
        FakeRequest.__init__(self, app, Claims(username, u"id", 0), params or {})
        self._body = body
        self._query = query or {}
        self._text = text

    def query(self, name, default=None):
        return self._query.get(name, default)

    def json(self):
        return self._body

    def json_object(self, shape=None):
        if not isinstance(self._body, dict):
            raise AssertionError("the handler asked for an object it was not given")
        return self._body

    def is_json(self):
        return self._text is None

    def text(self):
        return self._text


def world():
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw")
    openfire.add_user(u"admin", u"admin-pw")
    openfire.set_admin(u"admin")
    openfire.add_group(u"team", [u"alice"])
    return openfire, services(openfire)


def call(app, handler, username, **kwargs):
    return handler(Request(app, username, **kwargs))


def status(app, handler, username, **kwargs):
    error = raised(lambda: call(app, handler, username, **kwargs))
    return error.status if isinstance(error, ApiError) else repr(error)


def names(app, username, **kwargs):
    return sorted(b["name"] for b in call(app, api.get_bookmarks, username, **kwargs)["bookmark"])


def shared(app, name, **fields):
    body = dict({"type": "url", "name": name, "value": "https://example.org/" + name}, **fields)
    return call(app, api.create_bookmark, u"admin", body=body)


def test_visibility_of_global_per_user_per_group_and_own_bookmarks():
    openfire, app = world()
    shared(app, u"everyone", globalBookmark=True)
    shared(app, u"for-bob", users=[u"BOB"])             # names are normalised
    shared(app, u"for-team", groups=[u"team"])
    call(app, api.create_bookmark, u"alice", body={"name": u"alice-room", "value": ROOM})
    assert names(app, u"alice") == [u"alice-room", u"everyone", u"for-team"], names(app, u"alice")
    assert names(app, u"bob") == [u"everyone", u"for-bob"], names(app, u"bob")
    assert names(app, u"carol") == [u"everyone"], names(app, u"carol")
    assert names(app, u"admin") == [u"everyone"], names(app, u"admin")
    assert names(app, u"admin", query={"scope": "all"}) == [
        u"everyone", u"for-bob", u"for-team"], names(app, u"admin", query={"scope": "all"})
    assert status(app, api.get_bookmarks, u"bob", query={"scope": "all"}) == 403, "scope=all"


def test_a_bookmark_not_meant_for_the_caller_is_not_found_but_an_administrator_reads_it():
    _, app = world()
    for_bob = shared(app, u"for-bob", users=[u"bob"])
    params = {"bookmarkID": unicode(for_bob["bookmarkID"])}
    assert status(app, api.get_bookmark, u"alice", params=params) == 404, "alice read bob's"
    assert call(app, api.get_bookmark, u"bob", params=params)["name"] == u"for-bob", "bob"
    assert call(app, api.get_bookmark, u"admin", params=params)["users"] == [u"bob"], "admin"


def test_only_administrators_change_shared_bookmarks_and_a_refusal_stores_nothing():
    openfire, app = world()
    body = {"type": "url", "name": u"mine", "value": u"https://x.example", "globalBookmark": True}
    assert status(app, api.create_bookmark, u"alice", body=body) == 403, "alice made a global"
    assert status(app, api.create_bookmark, u"alice", body=dict(
        body, globalBookmark=False, users=[u"alice"])) == 403, "alice made a per-user one"
    assert openfire.bookmarks_plugin.all() == [], "a refused create stored something"
    made = shared(app, u"everyone", globalBookmark=True)
    params = {"bookmarkID": unicode(made["bookmarkID"])}
    assert status(app, api.update_bookmark, u"alice", params=params, body={"name": u"x"}) == 403
    assert status(app, api.delete_bookmark, u"alice", params=params) == 403, "alice deleted"
    assert status(app, api.set_bookmark_property, u"alice", params=dict(params, name=u"k"),
                  text=u"v") == 403, "alice set a property"
    assert status(app, api.delete_bookmark_property, u"alice",
                  params=dict(params, name=u"k")) == 403, "alice deleted a property"
    assert openfire.bookmarks_plugin.get(made["bookmarkID"]).name == u"everyone", "changed"


def test_administrator_changes_properties_and_deletes():
    openfire, app = world()
    made = shared(app, u"news", globalBookmark=True, properties={"rss": True})
    assert made["properties"] == [{"key": u"rss", "value": u"true"}], made["properties"]
    params = {"bookmarkID": unicode(made["bookmarkID"])}
    changed = call(app, api.set_bookmark_property, u"admin", params=dict(params, name=u"webapp"),
                   text=u"true")
    assert [p["key"] for p in changed["properties"]] == [u"rss", u"webapp"], changed
    changed = call(app, api.delete_bookmark_property, u"admin", params=dict(params, name=u"rss"))
    assert [p["key"] for p in changed["properties"]] == [u"webapp"], changed
    updated = call(app, api.update_bookmark, u"admin", params=params,
                   body={"name": u"News", "globalBookmark": False, "groups": [u"team"]})
    assert (updated["name"], updated["globalBookmark"], updated["groups"]) == (
        u"News", False, [u"team"]), updated
    assert names(app, u"bob") == [], "bob still sees a bookmark for the team"
    call(app, api.delete_bookmark, u"admin", params=params)
    assert openfire.bookmarks_plugin.all() == [], "not deleted"
    assert status(app, api.delete_bookmark, u"admin", params=params) == 404, "second delete"


def test_without_the_plugin_shared_bookmarks_are_501_and_own_ones_still_work():
    openfire, app = world()
    openfire.bookmarks_plugin = None
    body = {"type": "url", "name": u"x", "value": u"https://x.example", "globalBookmark": True}
    error = raised(lambda: call(app, api.create_bookmark, u"admin", body=body))
    assert error.status == 501 and "Bookmarks plugin" in error.message, repr(error)
    assert status(app, api.get_bookmark, u"alice", params={"bookmarkID": u"1"}) == 501
    assert status(app, api.create_bookmark, u"alice", body=body) == 403, "non-admin: 403 first"
    call(app, api.create_bookmark, u"alice", body={"name": u"room", "value": ROOM})
    assert names(app, u"alice") == [u"room"], names(app, u"alice")


def test_unknown_users_and_groups_are_404_and_nothing_is_stored():
    openfire, app = world()
    for fields in ({"users": [u"nobody"]}, {"groups": [u"no-such-group"]}):
        assert status(app, api.create_bookmark, u"admin", body=dict(
            {"type": "url", "name": u"x", "value": u"https://x.example"}, **fields)) == 404, fields
    assert openfire.bookmarks_plugin.all() == [], "a refused create stored something"


def test_bad_input_is_400():
    _, app = world()
    bad = [
        {"type": "url", "name": u"x", "value": u"javascript:alert(1)", "globalBookmark": True},
        {"type": "rss", "name": u"x", "value": u"https://x.example", "globalBookmark": True},
        {"type": "group_chat", "name": u"x", "value": u"not a jid@", "globalBookmark": True},
        {"type": "group_chat", "name": u"x", "value": u"room@service/nick"},
        {"name": u"", "value": ROOM},
        {"name": u"x" * 256, "value": ROOM},
        {"name": u"x\u0001", "value": ROOM},
        {"name": u"x", "value": ROOM, "properties": [{"name": u"bad name", "value": u"v"}]},
        {"name": u"x", "value": ROOM, "properties": {"k": u"v" * 4001}},
        {"name": u"x", "value": ROOM, "globalBookmark": u"yes"},
        {"name": u"x", "value": ROOM, "users": u"alice"},
        {"type": "url", "name": u"x", "value": u"https://x.example"},   # own: group chats only
    ]
    for body in bad:
        for username in (u"admin", u"alice"):
            got = status(app, api.create_bookmark, username, body=body)
            assert got == 400 or (got == 403 and username == u"alice"), (body, username, got)
    assert status(app, api.get_bookmark, u"alice", params={"bookmarkID": u"a/b@c"}) == 400


def test_own_bookmarks_are_xep_0402_items_and_keep_what_sparkweb_does_not_know():
    openfire, app = world()
    made = call(app, api.create_bookmark, u"alice", body={
        "name": u"Lobby", "value": ROOM, "properties": {"autojoin": True, "nick": u"Al",
                                                       "colour": u"blue"}})
    assert made["bookmarkID"] == ROOM and made["shared"] is False, made
    stored = openfire.xmpp.pep._nodes[(u"alice", u"urn:xmpp:bookmarks:1")]
    assert stored.config["pubsub#max_items"] == u"1000", stored.config
    item_id, payload = stored.items[0]
    assert item_id == ROOM and "autojoin=\"true\"" in payload and "Al</" in payload, payload
    # Another client added a password: SparkWeb's change must keep it.
    stored.items[0] = (item_id, payload.replace("</ns0:conference>",
                                                "<ns0:password>s3cret</ns0:password>"
                                                "</ns0:conference>"))
    params = {"bookmarkID": ROOM}
    changed = call(app, api.set_bookmark_property, u"alice", params=dict(params, name=u"nick"),
                   text=u"Alice")
    assert dict((p["key"], p["value"]) for p in changed["properties"]) == {
        u"autojoin": u"true", u"nick": u"Alice", u"colour": u"blue"}, changed
    assert "s3cret" in stored.items[0][1], "the other client's password was lost"
    assert "s3cret" not in repr(call(app, api.get_bookmark, u"alice", params=params)), "shown"
    assert status(app, api.get_bookmark, u"bob", params=params) == 404, "bob read alice's"
    assert status(app, api.create_bookmark, u"alice", body={"name": u"again", "value": ROOM}) \
        == 409, "a second bookmark of one room"
    call(app, api.delete_bookmark, u"alice", params=params)
    assert names(app, u"alice") == [], names(app, u"alice")


def test_a_node_another_client_made_with_one_item_is_reconfigured_not_overwritten():
    openfire, app = world()
    session = app.sessions.get_or_start(u"alice")
    first = u"<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node=" \
            u"'urn:xmpp:bookmarks:1'><item id='a@c.example.test'><conference xmlns=" \
            u"'urn:xmpp:bookmarks:1' name='A'/></item></publish></pubsub>"
    answer = session.request(iq.request(u"set", u"alice@example.test", u"gajim-1", first))
    assert answer.type == "result", answer.error   # the node now keeps 1 item (default)
    call(app, api.create_bookmark, u"alice", body={"name": u"B", "value": ROOM})
    assert names(app, u"alice") == [u"A", u"B"], names(app, u"alice")


def test_an_iq_answer_from_another_account_is_not_taken():
    pending = PendingRequests()
    request = iq.request(u"get", u"alice@example.test", u"sw-1", u"<x/>")
    taken = []

    def send(iq):   # answers arrive while the request is being sent, as on Openfire
        for sender in (u"mallory@example.test/x", u"mallory@example.test", u"alice@example.test"):
            taken.append(pending.answered(model.Stanza("iq", type="result", sender=sender,
                                                       id=iq.id)))

    answer = pending.send_and_wait(request, send, 1, u"alice@example.test/web")
    assert taken == [False, False, True], "answers taken: %r" % taken
    assert answer.sender == u"alice@example.test", "wrong answer taken: %s" % answer.sender
    assert pending.count() == 0, "a pending entry stayed behind"


def test_published_items_use_default_namespaces_as_xmpp_clients_write_them():
    from sparkweb.bookmarks import pep

    class RecordingSession(object):
        sent = []

        def request(self, stanza):
            self.sent.append(stanza.get_xml())
            return model.Stanza("iq", type="result", id=stanza.id)

    session = RecordingSession()
    pep.OwnBookmarks(session, u"alice@example.test").publish(pep.new_bookmark(
        ROOM, u"Caf\u00e9 <&> \"Lobby\"", {"autojoin": u"true", "nick": u"Al", "x.y": u"1"}))
    payload = session.sent[0]
    assert u'<conference xmlns="urn:xmpp:bookmarks:1" autojoin="true" name=\'Caf\u00e9 ' \
        u'&lt;&amp;&gt; "Lobby"\'>' in payload, payload
    assert u"ns0" not in payload and u'<nick>Al</nick>' in payload, payload
    assert u'<property xmlns="urn:xmpp:sparkweb:bookmark-property:0" name="x.y">1</property>' \
        in payload, payload


def test_only_administrators_see_with_whom_a_shared_bookmark_is_shared():
    """Attack A12: a recipient saw every other recipient and the names of groups they are not
    in; the Bookmarks plugin shows XMPP clients the bookmark only."""
    _, app = world()
    made = shared(app, u"layoffs", users=[u"bob", u"carol"], groups=[u"team"])
    params = {"bookmarkID": unicode(made["bookmarkID"])}
    for got in (call(app, api.get_bookmark, u"bob", params=params),
                [b for b in call(app, api.get_bookmarks, u"bob")["bookmark"]
                 if b["name"] == u"layoffs"][0]):
        assert (got["users"], got["groups"]) == ([], []), "bob sees the audience: %r" % got
    admin = call(app, api.get_bookmark, u"admin", params=params)
    assert (admin["users"], admin["groups"]) == ([u"bob", u"carol"], [u"team"]), admin


def test_scope_all_is_for_administrators_with_or_without_the_plugin():
    """Review R12-4: without the Bookmarks plugin a non-administrator's ?scope=all was 200."""
    openfire, app = world()
    openfire.bookmarks_plugin = None
    assert status(app, api.get_bookmarks, u"bob", query={"scope": "all"}) == 403, "scope=all"
    assert call(app, api.get_bookmarks, u"admin", query={"scope": "all"})["bookmark"] == []


def test_shared_names_and_values_fit_every_database_of_the_plugin():
    """Review R12-1: values of up to 1024 characters were accepted; the plugin's MySQL column
    holds 255 (Oracle and DB2 count bytes) and its setters drop what does not fit, which left
    a half-applied change and a 500."""
    openfire, app = world()
    fits = u"https://example.org/" + u"a" * (255 - len(u"https://example.org/"))
    assert shared(app, u"fits", value=fits, globalBookmark=True)["value"] == fits
    for fields in ({"value": fits + u"a"}, {"name": u"\u00e9" * 128},
                   {"value": u"https://example.org/" + u"\u00e9" * 118}):
        body = dict({"type": "url", "name": u"too-long", "value": u"https://example.org/",
                     "globalBookmark": True}, **fields)
        assert status(app, api.create_bookmark, u"admin", body=body) == 400, fields
    assert names(app, u"admin", query={"scope": "all"}) == [u"fits"], "a refused one was stored"


def test_two_tabs_creating_one_room_at_once_get_one_bookmark_and_a_409():
    """The first create is held inside its duplicate check until the second has started;
    without serialising the user's read-change-publish both passed it and both got 200."""
    from java.lang import Thread
    from java.util.concurrent import CountDownLatch, TimeUnit
    from sparkweb.bookmarks import pep
    openfire, app = world()
    first_inside, second_started = CountDownLatch(1), CountDownLatch(1)
    original_all = pep.OwnBookmarks.all
    calls = []

    def held_all(self):
        found = original_all(self)
        calls.append(1)
        if len(calls) == 1:
            first_inside.countDown()
            # Until the second has read too (it can only when nothing serialises them).
            second_started.await(2, TimeUnit.SECONDS)
        else:
            second_started.countDown()
        return found
    pep.OwnBookmarks.all = held_all
    results = []
    body = {"name": u"lobby", "value": ROOM}
    try:
        first = Thread(lambda: results.append(status(app, api.create_bookmark, u"alice",
                                                     body=body)))
        first.start()
        assert first_inside.await(20, TimeUnit.SECONDS), "the first create never ran"
        second = Thread(lambda: results.append(status(app, api.create_bookmark, u"alice",
                                                      body=body)))
        second.start()
        first.join(30000)
        second.join(30000)
    finally:
        pep.OwnBookmarks.all = original_all
    statuses = sorted(200 if s == "None" else s for s in results)
    assert len(results) == 2, "a create did not finish: %r" % results
    assert statuses == [200, 409], "two creates of one room answered %r" % results


def test_listing_reads_the_shared_bookmarks_once_not_once_more_each():
    """Review R12-3: GET /bookmarks took every bookmark (the plugin loads each with three
    queries) and then asked is_for per bookmark, which loads it again. The store is now asked
    once for the bookmarks meant for the caller."""
    openfire, app = world()
    for number in range(5):
        shared(app, u"b%d" % number, users=[u"bob"])
    store, reads = openfire.bookmarks_plugin, []
    for method in ("all", "get", "is_for", "meant_for"):
        original = getattr(store, method)
        setattr(store, method, (lambda name, real: lambda *a: reads.append(name) or real(*a))(
            method, original))
    assert names(app, u"bob") == [u"b%d" % n for n in range(5)], names(app, u"bob")
    assert reads.count("is_for") + reads.count("get") == 0 and len(reads) == 1, reads
