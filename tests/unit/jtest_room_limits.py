"""Bounds on what one user does in rooms through SparkWeb (reviews A8, A3): rooms at once,
joins and invitations per minute, one join at a time per session, and which invitees and
reasons an invitation may have."""
from __future__ import absolute_import

import threading

from sparkweb import config
from sparkweb.api import groupchat
from sparkweb.auth.tokens import Claims
from support import Clock, FakeRequest, openfire_with_users, raised, services

ROOM = u"lounge@conference.example.test"


class Request(FakeRequest):
    def __init__(self, app, user, params, body=u"", query=None):
        FakeRequest.__init__(self, app, Claims(user, u"id", 0), params)
        self._body = body
        self._query = query or {}

    def query(self, name, default=None):
        return self._query.get(name, default)

    def is_json(self):
        return False

    def text(self):
        return self._body


def _setup(**settings):
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw", name=u"Carol")
    for setting, value in settings.items():
        openfire.set_property(getattr(config, setting).key, unicode(value))
    clock = Clock()
    return openfire, services(openfire, clock), clock


def _join(app, user, room):
    return groupchat.join_room(Request(app, user, {"roomName": room}))


def _invite(app, user, room, invitee, reason=u""):
    return groupchat.invite_to_room(Request(app, user, {"roomName": room,
                                                        "invitedJid": invitee}, reason))


def test_a_user_is_in_at_most_max_rooms_rooms():
    openfire, app, clock = _setup(MUC_MAX_ROOMS=2, MUC_JOINS_PER_MINUTE=100)
    for name in (u"r1", u"r2"):
        assert _join(app, u"carol", name)["created"] is True, name
    refused = raised(lambda: _join(app, u"carol", u"r3"))
    assert refused is not None and (refused.status, refused.code) == (409, "too-many-rooms"), \
        repr(refused)
    assert openfire.muc_room(u"conference", u"r3", u"carol@example.test") is None, \
        "the refused join created the room"
    assert _join(app, u"carol", u"r2")["alreadyJoined"] is True, "a room already joined"
    groupchat.leave_room(Request(app, u"carol", {"roomName": u"r1"}))
    assert _join(app, u"carol", u"r3")["created"] is True, "leaving did not free a place"
    assert _join(app, u"bob", u"r4")["created"] is True, "the limit is per user"


def test_joins_per_minute_then_429_with_retry_after_and_refilled_in_a_minute():
    openfire, app, clock = _setup(MUC_JOINS_PER_MINUTE=3)
    for number in range(3):
        _join(app, u"carol", u"j%d" % number)
    refused = raised(lambda: _join(app, u"carol", u"j9"))
    assert refused is not None and refused.status == 429, repr(refused)
    assert int(refused.headers["Retry-After"]) >= 1, refused.headers
    assert openfire.muc_room(u"conference", u"j9", u"carol@example.test") is None, \
        "the refused join was sent"
    assert _join(app, u"carol", u"j0")["alreadyJoined"] is True, "a joined room counts again"
    clock.advance(61)
    assert _join(app, u"carol", u"j9")["created"] is True, "not refilled after a minute"


def test_invitations_per_minute_then_429():
    openfire, app, clock = _setup(MUC_INVITATIONS_PER_MINUTE=2)
    _join(app, u"alice", u"lounge")
    for _ in range(2):
        assert _invite(app, u"alice", u"lounge", u"bob")["invited"] == u"bob@example.test"
    refused = raised(lambda: _invite(app, u"alice", u"lounge", u"bob"))
    assert refused is not None and refused.status == 429, repr(refused)
    assert "Retry-After" in refused.headers, refused.headers
    clock.advance(31)
    assert _invite(app, u"alice", u"lounge", u"carol")["invited"] == u"carol@example.test"


def test_invitees_must_be_users_not_rooms_or_services_and_reasons_are_short():
    """Review A3: the room itself, a bare domain read as a username and users that do not
    exist were all 'invited' (200)."""
    openfire, app, clock = _setup(MUC_INVITATIONS_PER_MINUTE=100)
    _join(app, u"alice", u"lounge")
    for invitee, status in ((ROOM, 400), (u"conference.example.test", 404),
                            (u"example.test", 404), (u"nobody", 404),
                            (u"x@conference.example.test", 400),
                            (u"nobody@example.test", 404)):
        refused = raised(lambda: _invite(app, u"alice", u"lounge", invitee))
        assert refused is not None and refused.status == status, (invitee, repr(refused))
    assert _invite(app, u"alice", u"lounge", u"victim@elsewhere.example")["invited"] == \
        u"victim@elsewhere.example", "a user of another server"
    long_reason = raised(lambda: _invite(app, u"alice", u"lounge", u"bob", u"r" * 501))
    assert long_reason is not None and long_reason.status == 400, repr(long_reason)
    assert _invite(app, u"alice", u"lounge", u"bob", u"r" * 500)["invited"], "500 characters"


def test_one_join_at_a_time_per_session_keeps_the_room_count():
    """Review A8: joins of one user ran in parallel, so a burst could pass the room count
    together (and reach Openfire's room-manager race). Joins of one session now go one at a
    time: ten parallel joins with room for three give three rooms."""
    openfire, app, clock = _setup(MUC_MAX_ROOMS=3, MUC_JOINS_PER_MINUTE=100)
    rooms = app.sessions.get_or_start(u"carol").rooms
    started, answers = threading.Event(), []
    real_send = rooms._send

    def slow_send(stanza):     # each join stays in flight until every thread has started
        started.wait(10)
        real_send(stanza)
    rooms._send = slow_send

    def join(number):
        answers.append(raised(lambda: _join(app, u"carol", u"p%d" % number)))
    threads = [threading.Thread(target=join, args=(number,)) for number in range(10)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join(60)
    assert not [t for t in threads if t.is_alive()], "a join hangs"
    assert len(rooms.joined()) == 3, rooms.joined()
    statuses = sorted(getattr(answer, "status", 200) for answer in answers)
    assert statuses == [200] * 3 + [409] * 7, statuses


def test_invitations_tell_nothing_about_accounts_before_the_room_and_the_limit():
    """Review S5-11-1: the invitee was checked first, so anyone, in no room, could test
    usernames at request speed (404 "No user" against another 404), outside the limit. Now:
    the room first (the same 404 for every invitee), then the limit, then the invitee."""
    openfire, app, clock = _setup(MUC_INVITATIONS_PER_MINUTE=2)
    outside = [raised(lambda: _invite(app, u"carol", u"lounge", invitee))
               for invitee in [u"bob"] + [u"nobody%d" % n for n in range(20)]]
    assert set((e.status, e.message) for e in outside) == set([(outside[0].status,
                                                                 outside[0].message)]), \
        "an invitee's existence shows outside the room: %r" % set(e.message for e in outside)
    assert outside[0].status == 404, repr(outside[0])
    _join(app, u"carol", u"lounge")
    for number in range(2):
        assert raised(lambda: _invite(app, u"carol", u"lounge", u"nobody%d" % number)).status \
            == 404, "directory on: an unknown user is 404"
    limited = [raised(lambda: _invite(app, u"carol", u"lounge", invitee))
               for invitee in (u"bob", u"nobody9")]
    assert [e.status for e in limited] == [429, 429], [repr(e) for e in limited]


def test_with_the_directory_off_an_unknown_invitee_is_answered_as_a_user_and_not_sent():
    openfire, app, clock = _setup(MUC_INVITATIONS_PER_MINUTE=100, DIRECTORY_ENABLED=u"false")
    _join(app, u"alice", u"lounge")
    rooms, sent = app.sessions.get_or_start(u"alice").rooms, []
    real_send = rooms._send
    rooms._send = lambda stanza: sent.append(stanza) or real_send(stanza)
    unknown = _invite(app, u"alice", u"lounge", u"nobody")
    known = _invite(app, u"alice", u"lounge", u"bob")
    assert unknown == {"room": ROOM, "invited": u"nobody@example.test"}, unknown
    assert known == {"room": ROOM, "invited": u"bob@example.test"}, known
    assert [s.muc["invite"]["to"] for s in sent] == [u"bob@example.test"], \
        "an invitation went to the unknown user: %r" % [s.muc for s in sent]


def test_with_the_directory_off_a_room_that_refuses_invitations_refuses_unknown_users_too():
    """Review S5-11-2: where the room refuses the caller's invitations (members-only, occupants
    may not invite, the caller a plain member), bob gave 403 and an unknown name 200."""
    openfire, app, clock = _setup(MUC_INVITATIONS_PER_MINUTE=100, DIRECTORY_ENABLED=u"false")
    openfire.muc.create_room(u"club", owner=u"carol@example.test", members_only=True)
    openfire.muc.set_affiliation(u"club", u"alice@example.test", u"member")
    _join(app, u"alice", u"club")
    answers = [raised(lambda: _invite(app, u"alice", u"club", invitee))
               for invitee in (u"bob", u"nobody")]
    assert [(e.status, e.code) for e in answers] == [(403, "forbidden")] * 2, \
        [repr(e) for e in answers]
    openfire.muc.set_affiliation(u"club", u"alice@example.test", u"admin")
    assert _invite(app, u"alice", u"club", u"nobody")["invited"] == u"nobody@example.test"
