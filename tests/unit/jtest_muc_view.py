"""What the group-chat read endpoints show to whom, on the in-memory MUC service: hidden and
members-only rooms, lists only for owners and admins, never a password, real JIDs only where
the room discloses them, history only for occupants and members; and the events of nickname
and role changes."""
from __future__ import absolute_import

from sparkweb.api import groupchat
from sparkweb.auth.tokens import Claims
from sparkweb.xmpp import stanza
from support import FakeRequest, openfire_with_users, raised, services

from jtest_muc_rooms import RecordingStream


class Request(FakeRequest):
    def __init__(self, app, user, params=None, query=None):
        FakeRequest.__init__(self, app, Claims(user, u"id", 0), params or {})
        self._query = query or {}

    def query(self, name, default=None):
        return self._query.get(name, default)


def _setup():
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw", name=u"Carol")
    muc = openfire.muc
    muc.create_room(u"open", owner=u"alice@example.test", password=u"pw-open")
    muc.create_room(u"hidden", owner=u"alice@example.test", public=False)
    muc.create_room(u"club", owner=u"alice@example.test", members_only=True)
    muc.create_room(u"glass", owner=u"alice@example.test", can_anyone_discover_jid=True)
    muc.set_affiliation(u"open", u"mallory@example.test", u"outcast")
    muc.set_affiliation(u"open", u"carol@example.test", u"member")
    return openfire, services(openfire)


def _names(app, user, **query):
    return [room["roomName"] for room in
            groupchat.get_rooms(Request(app, user, query=query))["chatRooms"]]


def test_rooms_list_shows_hidden_and_members_only_rooms_to_members_only():
    openfire, app = _setup()
    assert _names(app, u"bob") == [u"glass", u"open"], _names(app, u"bob")
    assert _names(app, u"bob", type=u"all") == [u"glass", u"open"], "bob sees hidden rooms"
    assert _names(app, u"alice", type=u"all") == [u"club", u"glass", u"hidden", u"open"]
    assert _names(app, u"alice") == [u"club", u"glass", u"open"], "type=public shows hidden"
    assert _names(app, u"bob", search=u"GLA") == [u"glass"], "search is not a substring match"
    unknown = raised(lambda: _names(app, u"bob", serviceName=u"nosuch"))
    assert unknown is not None and unknown.status == 404, repr(unknown)
    wrong = raised(lambda: _names(app, u"bob", type=u"secret"))
    assert wrong is not None and wrong.status == 400, repr(wrong)


def test_rooms_list_does_not_load_dormant_rooms_but_a_room_is_reached_by_name():
    """Review R11-4: listing read every room of the service, loading each dormant one from the
    database (Openfire's getChatRoom), on every call. Now only the rooms in memory are listed,
    and only one page of them is read in full."""
    openfire, app = _setup()
    for number in range(5):
        openfire.muc.create_room(u"old%d" % number, owner=u"bob@example.test", dormant=True)
    assert _names(app, u"bob", type=u"all") == [u"glass", u"open"], _names(app, u"bob")
    assert openfire.muc.loads == 0, "listing loaded %d dormant rooms" % openfire.muc.loads
    room = groupchat.get_room(Request(app, u"bob", {"roomName": u"old3"}))
    assert room["roomName"] == u"old3" and openfire.muc.loads == 1, (room, openfire.muc.loads)
    assert u"old3" in _names(app, u"bob"), "a room loaded by name is not listed"


def test_rooms_list_is_paged_in_name_order():
    openfire, app = _setup()
    for number in range(7):
        openfire.muc.create_room(u"p%d" % number, owner=u"carol@example.test")
    everything = [u"glass", u"open"] + [u"p%d" % n for n in range(7)]
    pages, after = [], None
    while True:
        query = dict(max=u"4", **({"after": after} if after else {}))
        page = groupchat.get_rooms(Request(app, u"bob", query=query))
        pages.append([room["roomName"] for room in page["chatRooms"]])
        assert page["count"] == len(everything), page["count"]
        after = page["last"]
        if page["complete"]:
            break
        assert len(pages) < 5, "paging does not end: %r" % pages
    assert pages == [everything[:4], everything[4:8], everything[8:]], pages
    assert _names(app, u"bob", after=u"P5") == [u"p6"], "'after' is not case-insensitive"
    empty = groupchat.get_rooms(Request(app, u"bob", query={"after": u"zzz"}))
    assert (empty["chatRooms"], empty["complete"], empty["last"]) == ([], True, None), empty
    default = groupchat.get_rooms(Request(app, u"bob"))
    assert len(default["chatRooms"]) == 9 and default["complete"] is True, default["count"]
    for bad in (u"0", u"501", u"abc", u"-1", u"1.5"):
        wrong = raised(lambda: _names(app, u"bob", max=bad))
        assert wrong is not None and wrong.status == 400, (bad, repr(wrong))


def test_rooms_list_default_page_is_bounded():
    openfire, app = _setup()
    for number in range(groupchat.given.DEFAULT_ROOMS_PER_PAGE + 20):
        openfire.muc.create_room(u"many%03d" % number, owner=u"carol@example.test")
    page = groupchat.get_rooms(Request(app, u"bob"))
    assert len(page["chatRooms"]) == groupchat.given.DEFAULT_ROOMS_PER_PAGE, \
        len(page["chatRooms"])
    assert page["complete"] is False and page["count"] == 122, (page["complete"], page["count"])


def test_hidden_room_answers_like_a_missing_one_in_every_read():
    openfire, app = _setup()
    for handler in (groupchat.get_room, groupchat.get_occupants, groupchat.get_participants,
                    groupchat.get_chat_history):
        hidden = raised(lambda: handler(Request(app, u"bob", {"roomName": u"club"})))
        missing = raised(lambda: handler(Request(app, u"bob", {"roomName": u"nothing"})))
        assert hidden.status == missing.status == 404, (hidden, missing)
        assert hidden.body()["message"].replace(u"club", u"R") == \
            missing.body()["message"].replace(u"nothing", u"R"), (hidden.body(), missing.body())


def test_lists_and_password_are_never_shown_to_others():
    openfire, app = _setup()
    for user in (u"bob", u"carol"):
        room = groupchat.get_room(Request(app, user, {"roomName": u"open"}))
        assert "password" not in room and u"pw-open" not in repr(room), repr(room)
        assert room["outcasts"] == [] and room["members"] == [], "%s: %r" % (user, room)
        assert room["passwordProtected"] is True, room
    owner = groupchat.get_room(Request(app, u"alice", {"roomName": u"open"}))
    assert owner["outcasts"] == [u"mallory@example.test"], owner["outcasts"]
    assert owner["members"] == [u"carol@example.test"] and u"pw-open" not in repr(owner)


def test_real_jids_only_in_non_anonymous_rooms_or_to_moderators():
    openfire, app = _setup()
    for user, nick in ((u"alice", u"Alice"), (u"bob", u"Bob")):
        for name in (u"open", u"glass"):
            password = u"pw-open" if name == u"open" else None
            app.sessions.get_or_start(user).rooms.join(
                u"%s@conference.example.test" % name, nick, password)

    def addresses(user, name):
        return [o["userAddress"] for o in groupchat.get_occupants(
            Request(app, user, {"roomName": name}))["occupants"]]
    assert addresses(u"bob", u"open") == [None, None], addresses(u"bob", u"open")
    assert None not in addresses(u"alice", u"open"), "a moderator does not see real JIDs"
    assert None not in addresses(u"bob", u"glass"), "a non-anonymous room hides real JIDs"
    assert addresses(u"carol", u"glass") == [None, None], \
        "attack A1: real JIDs shown to a non-occupant: %r" % addresses(u"carol", u"glass")
    participants = groupchat.get_participants(Request(app, u"bob", {"roomName": u"open"}))
    assert [p["nick"] for p in participants["participants"]] == [u"Bob"], participants


def test_history_only_for_occupants_and_members():
    openfire, app = _setup()
    openfire.archive.enabled = False       # the room's own history (jtest_room_history)
    app.sessions.get_or_start(u"alice").rooms.join(u"glass@conference.example.test", u"A")
    app.sessions.get_or_start(u"alice").rooms.post(u"glass@conference.example.test", u"hi",
                                                  None)
    refused = raised(lambda: groupchat.get_chat_history(Request(app, u"bob",
                                                                {"roomName": u"glass"})))
    assert refused is not None and refused.status == 404, repr(refused)
    history = groupchat.get_chat_history(Request(app, u"alice", {"roomName": u"glass"}))
    assert [m["body"] for m in history["messages"]] == [u"hi"], history
    assert history["messages"][0]["delayFrom"] == u"alice@example.test/sparkweb", history


def test_nick_and_role_changes_become_events():
    openfire, app = _setup()
    stream = RecordingStream()
    app.sessions.attach(u"alice", stream)
    room = u"glass@conference.example.test"
    app.sessions.get_or_start(u"alice").rooms.join(room, u"A")
    bob = app.sessions.get_or_start(u"bob")
    bob.rooms.join(room, u"B")
    bob.send(stanza.room_join(room + u"/B2"))      # a nickname change, as clients make it
    nick = stream.muc(change="nick", nick=u"B")
    assert nick and nick[0]["newNick"] == u"B2", repr(stream.muc(type="occupant"))
    assert bob.rooms.joined() == {room: u"B2"}, bob.rooms.joined()
    openfire.muc.set_affiliation(u"glass", u"bob@example.test", u"admin")
    role = stream.muc(change="role", nick=u"B2")
    assert role and role[0]["role"] == u"moderator", repr(stream.muc(type="occupant"))


class JoinRequest(Request):
    def is_json(self):
        return False

    def text(self):
        return u""


def test_a_display_name_that_makes_no_nickname_falls_back_to_the_username():
    """Review R11-6: a join without 'nick' took the display name and refused it (400) when it
    was too long or had a character a nickname may not have; the username serves then."""
    openfire, app = _setup()
    for number, name in enumerate((u"x" * 300, u"Eve \u202e", u"Bell \u0007")):
        user = u"user%d" % number
        openfire.add_user(user, u"pw", name=name)
        joined = groupchat.join_room(JoinRequest(app, user, {"roomName": u"glass"}))
        assert joined["nick"] == user, "display name %r: %r" % (name, joined)
    given = raised(lambda: groupchat.join_room(JoinRequest(
        app, u"user0", {"roomName": u"open"}, {"nick": u"n" * 300})))
    assert given is not None and given.status == 400, "a nickname given is still checked"
    joined = groupchat.join_room(JoinRequest(app, u"bob", {"roomName": u"glass"}))
    assert joined["nick"] == u"Bob", joined
