"""Room history from the archive first (XEP-0313 through the user's session; the in-memory
Monitoring plugin), the room's own recent history as the fallback, the permission check
before either; and GET /groupchat/messages deciding on the same MUC model."""
from __future__ import absolute_import

from sparkweb.api import groupchat, history
from sparkweb.session import room_history
from support import openfire_with_users, raised, services

from jtest_muc_view import Request

OPEN = u"open@conference.example.test"
VAULT = u"vault@conference.example.test"
KEPT = 25                      # what the in-memory room keeps itself, as Openfire's default


def _setup(posts=KEPT + 5):
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw", name=u"Carol")
    openfire.muc.create_room(u"open", owner=u"alice@example.test")
    openfire.muc.create_room(u"vault", owner=u"alice@example.test", password=u"pw")
    openfire.muc.set_affiliation(u"vault", u"carol@example.test", u"member")
    app = services(openfire)
    alice = app.sessions.get_or_start(u"alice").rooms
    alice.join(OPEN, u"Alice")
    for number in range(posts):
        alice.post(OPEN, u"line %d" % number, None)
    return openfire, app


def _history(app, user, room=u"open"):
    return groupchat.get_chat_history(Request(app, user, {"roomName": room}))["messages"]


def test_history_comes_from_the_archive_beyond_what_the_room_keeps():
    openfire, app = _setup()
    messages = _history(app, u"alice")
    assert [m["body"] for m in messages] == [u"line %d" % n for n in range(KEPT + 5)], \
        "not the archive's %d messages: %r" % (KEPT + 5, [m["body"] for m in messages])
    first = messages[0]
    assert first["from"] == OPEN + u"/Alice" and first["type"] == u"groupchat", first
    assert first["delayFrom"] == OPEN and first["delayStamp"], first


def test_without_the_archive_the_rooms_own_history_answers():
    openfire, app = _setup()
    openfire.archive.enabled = False
    messages = _history(app, u"alice")
    assert [m["body"] for m in messages] == [u"line %d" % n for n in range(5, KEPT + 5)], \
        [m["body"] for m in messages]


def test_with_room_archiving_off_the_rooms_own_history_answers():
    openfire, app = _setup(posts=0)
    openfire.archive.rooms_enabled = False
    app.sessions.get(u"alice").rooms.post(OPEN, u"kept by the room only", None)
    assert [m["body"] for m in _history(app, u"alice")] == [u"kept by the room only"]


def test_the_permission_check_comes_before_the_archive():
    """Monitoring lets anyone not banned read a public room's archive; SparkWeb keeps its own
    rule (occupants, members, admins, owners), and asks no archive for anyone else."""
    openfire, app = _setup(posts=1)
    asked = []
    original = room_history.SOURCES[:]
    room_history.SOURCES[:] = [lambda *args: asked.append(args) or []] + original
    try:
        refused = raised(lambda: _history(app, u"bob"))
        missing = raised(lambda: _history(app, u"bob", u"nothing"))
    finally:
        room_history.SOURCES[:] = original
    assert refused is not None and refused.status == 404, repr(refused)
    assert refused.message.replace(u"open", u"X") == missing.message.replace(u"nothing", u"X")
    assert asked == [], "a source was asked for a user who may not read the room"


def test_a_member_the_archive_refuses_gets_the_rooms_own_history():
    """Monitoring lets only occupants read a password-protected room's archive; a member who
    is not in the room still reads the room's own history."""
    openfire, app = _setup(posts=0)
    alice = app.sessions.get(u"alice").rooms
    alice.join(VAULT, u"Alice", u"pw")
    alice.post(VAULT, u"behind the password", None)
    assert [m["body"] for m in _history(app, u"carol", u"vault")] == [u"behind the password"]


def test_groupchat_messages_reads_the_archive_of_a_room_the_caller_is_in():
    openfire, app = _setup(posts=3)
    page = history.get_groupchat_messages(Request(app, u"alice", query={"room": u"open",
                                                                        "max": u"2"}))
    assert [m["body"] for m in page["messages"]] == [u"line 0", u"line 1"], page
    assert page["messages"][0]["nick"] == u"Alice" and page["messages"][0]["room"] == OPEN
    for query in ({"room": u"open"}, {"room": OPEN}, {"room": u"open",
                                                      "service": u"conference"}):
        refused = raised(lambda: history.get_groupchat_messages(Request(app, u"bob",
                                                                        query=query)))
        missing = raised(lambda: history.get_groupchat_messages(Request(
            app, u"bob", query={"room": u"nothing"})))
        assert refused is not None and refused.status == 404, (query, refused)
        assert refused.message == missing.message, (refused.message, missing.message)
    for query in ({"room": u"open", "service": u"nothing"},
                  {"room": u"open@conference.elsewhere.example"}):
        error = raised(lambda: history.get_groupchat_messages(Request(app, u"alice",
                                                                      query=query)))
        assert error is not None and error.status == 404, (query, error)
