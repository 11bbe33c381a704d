"""Acting in rooms through the user's session on the in-memory MUC service: joins and their
refusals, leaving, posting, inviting, the events other occupants see, and the session's rooms
at its end."""
from __future__ import absolute_import

import json

from sparkweb.xmpp.refusals import XmppRefusal
from support import openfire_with_users, raised, services

ROOM = u"lounge@conference.example.test"


class RecordingStream(object):
    raw = False

    def __init__(self):
        self.events = []
        self.closed = False

    def offer(self, event):
        self.events.append(event)

    def close(self):
        self.closed = True

    def muc(recording, **fields):   # not "self": events have a field of that name
        found = []
        for event in recording.events:
            if event.name != "chatapi.muc":
                continue
            payload = json.loads(event.frame.tostring().decode("utf-8").split("data: ", 1)[1])
            if all(payload.get(k) == v for k, v in fields.items()):
                found.append(payload)
        return found


def _setup():
    openfire = openfire_with_users()
    openfire.add_user(u"carol", u"carol-pw", name=u"Carol")
    app = services(openfire)
    streams = {}
    for name in (u"alice", u"bob", u"carol"):
        streams[name] = RecordingStream()
        app.sessions.attach(name, streams[name])
    return openfire, app, streams


def _rooms(app, name):
    return app.sessions.get_or_start(name).rooms


def test_join_creates_an_instant_room_and_others_see_join_post_leave():
    openfire, app, streams = _setup()
    joined = _rooms(app, u"alice").join(ROOM, u"Alice")
    assert joined["created"] is True and joined["nick"] == u"Alice", repr(joined)
    record = openfire.muc_room(u"conference", u"lounge", u"bob@example.test")
    assert record is not None and not record.locked, "the new room stayed locked"
    assert record.viewer_affiliation == u"none", record.viewer_affiliation
    assert _rooms(app, u"bob").join(ROOM, u"Bob")["created"] is False, "bob created it again"
    assert streams[u"alice"].muc(type="occupant", change="joined", nick=u"Bob"), \
        "alice did not see bob join"
    assert streams[u"bob"].muc(type="occupant", change="present", nick=u"Alice"), \
        "bob did not get alice as present on join"
    _rooms(app, u"bob").post(ROOM, u"hello <all>", None)
    seen = streams[u"alice"].muc(type="groupchat", body=u"hello <all>")
    assert seen and seen[0]["nick"] == u"Bob" and seen[0]["history"] is False, repr(seen)
    assert seen[0]["occupantJid"] == u"bob@example.test/sparkweb", \
        "the owner (a moderator) does not see the real JID: %r" % seen[0]["occupantJid"]
    _rooms(app, u"carol").join(ROOM, u"Carol")
    _rooms(app, u"bob").post(ROOM, u"again", None)
    to_carol = streams[u"carol"].muc(type="groupchat", body=u"again")
    assert to_carol and to_carol[0]["occupantJid"] is None, \
        "a real JID shown to a participant in an anonymous room: %r" % to_carol
    mine = streams[u"bob"].muc(type="groupchat", body=u"hello <all>")
    assert mine and mine[0]["mine"] is True, "bob's own message not marked as his: %r" % mine
    _rooms(app, u"bob").leave(ROOM)
    assert streams[u"alice"].muc(type="occupant", change="left", nick=u"Bob"), "no leave"
    assert _rooms(app, u"bob").joined() == {}, "bob still thinks he is in the room"


def test_history_is_replayed_on_join_and_marked():
    openfire, app, streams = _setup()
    _rooms(app, u"alice").join(ROOM, u"Alice")
    _rooms(app, u"alice").post(ROOM, u"earlier", None)
    _rooms(app, u"bob").join(ROOM, u"Bob")
    replayed = streams[u"bob"].muc(type="groupchat", body=u"earlier")
    assert replayed and replayed[0]["history"] is True and replayed[0]["delay"], repr(replayed)


def test_refusals_name_the_xmpp_condition():
    openfire, app, streams = _setup()
    openfire.muc.create_room(u"club", owner=u"alice@example.test", members_only=True)
    openfire.muc.create_room(u"vault", owner=u"alice@example.test", password=u"s3cret")
    openfire.muc.create_room(u"jail", owner=u"alice@example.test")
    openfire.muc.set_affiliation(u"jail", u"bob@example.test", u"outcast")
    openfire.muc.create_room(u"tiny", owner=u"alice@example.test", max_users=1)
    bob = _rooms(app, u"bob")
    cases = [(u"club", None, "registration-required", 403), (u"vault", None, "not-authorized", 401),
             (u"vault", u"wrong", "not-authorized", 401), (u"jail", None, "forbidden", 403)]
    for name, password, condition, status in cases:
        error = raised(lambda: bob.join(u"%s@conference.example.test" % name, u"Bob", password))
        assert isinstance(error, XmppRefusal), "%s: %r" % (name, error)
        assert (error.code, error.status) == (condition, status), \
            "%s: %s %s" % (name, error.code, error.status)
    assert bob.join(u"vault@conference.example.test", u"Bob", u"s3cret")["nick"] == u"Bob"
    _rooms(app, u"carol").join(u"tiny@conference.example.test", u"Carol")
    full = raised(lambda: bob.join(u"tiny@conference.example.test", u"Bob"))
    assert (full.code, full.status) == ("service-unavailable", 503), repr(full)
    _rooms(app, u"carol").join(ROOM, u"Nick")
    taken = raised(lambda: bob.join(ROOM, u"nick"))
    assert (taken.code, taken.status) == ("conflict", 409), repr(taken)
    assert ROOM not in bob.joined(), "a refused join left the room in the joined list"


def test_room_creation_restricted():
    openfire, app, streams = _setup()
    openfire.muc.creation_restricted = True
    error = raised(lambda: _rooms(app, u"bob").join(ROOM, u"Bob"))
    assert (error.code, error.status) == ("not-allowed", 403), repr(error)
    assert openfire.muc_room(u"conference", u"lounge", u"bob@example.test") is None, \
        "a refused creation left a room"


def test_mediated_invitation_reaches_the_invitee_stream():
    openfire, app, streams = _setup()
    _rooms(app, u"alice").join(ROOM, u"Alice")
    _rooms(app, u"alice").invite(ROOM, u"bob@example.test", u"come in")
    invitation = streams[u"bob"].muc(type="invitation")
    assert invitation and invitation[0]["room"] == ROOM, repr(invitation)
    assert invitation[0]["reason"] == u"come in" and invitation[0]["from"] == \
        u"alice@example.test", repr(invitation)
    assert invitation[0]["direct"] is False, repr(invitation)


def test_members_only_invitation_by_non_admin_is_forbidden():
    openfire, app, streams = _setup()
    openfire.muc.create_room(u"club", owner=u"alice@example.test", members_only=True)
    openfire.muc.set_affiliation(u"club", u"bob@example.test", u"member")
    club = u"club@conference.example.test"
    _rooms(app, u"bob").join(club, u"Bob")
    error = raised(lambda: _rooms(app, u"bob").invite(club, u"carol@example.test", None))
    assert (error.code, error.status) == ("forbidden", 403), repr(error)
    assert not streams[u"carol"].muc(type="invitation"), "a refused invitation arrived"


def test_kick_ban_and_destroy_reach_the_user_and_leave_the_room():
    openfire, app, streams = _setup()
    _rooms(app, u"alice").join(ROOM, u"Alice")
    _rooms(app, u"bob").join(ROOM, u"Bob")
    openfire.muc.kick(u"lounge", u"Bob", u"behave")
    kicked = streams[u"bob"].muc(type="occupant", change="kicked")
    assert kicked and kicked[0]["self"] is True and kicked[0]["reason"] == u"behave", \
        repr(kicked)
    assert ROOM not in _rooms(app, u"bob").joined(), "kicked, still joined"
    assert streams[u"alice"].muc(type="occupant", change="kicked", nick=u"Bob", self=False)
    _rooms(app, u"bob").join(ROOM, u"Bob")
    openfire.muc.set_affiliation(u"lounge", u"bob@example.test", u"outcast")
    assert streams[u"bob"].muc(type="occupant", change="banned", self=True), "no ban event"
    assert ROOM not in _rooms(app, u"bob").joined(), "banned, still joined"
    openfire.muc.destroy(u"lounge", u"closing")
    destroyed = streams[u"alice"].muc(type="occupant", change="destroyed")
    assert destroyed and destroyed[0]["reason"] == u"closing", repr(destroyed)
    assert _rooms(app, u"alice").joined() == {}, "destroyed room still joined"


def test_posting_needs_the_room_and_voice():
    openfire, app, streams = _setup()
    error = raised(lambda: _rooms(app, u"bob").post(ROOM, u"hi", None))
    assert error is not None and error.status == 404, repr(error)
    openfire.muc.create_room(u"stage", owner=u"alice@example.test", moderated=True)
    stage = u"stage@conference.example.test"
    _rooms(app, u"bob").join(stage, u"Bob")
    muted = raised(lambda: _rooms(app, u"bob").post(stage, u"hi", None))
    assert (muted.code, muted.status) == ("forbidden", 403), repr(muted)


def test_session_end_leaves_every_room_with_unavailable_presence():
    openfire, app, streams = _setup()
    _rooms(app, u"alice").join(ROOM, u"Alice")
    _rooms(app, u"bob").join(ROOM, u"Bob")
    _rooms(app, u"bob").join(u"other@conference.example.test", u"Bob")
    sent = []
    original = openfire.xmpp.route
    openfire.xmpp.route = lambda sender, stanza: sent.append(stanza) or original(sender, stanza)
    app.sessions.end(u"bob")
    # SparkWeb leaves each room itself (the router's own clean-up on close would hide it).
    left = sorted(s.recipient for s in sent if s.kind == "presence" and s.type == "unavailable"
                  and s.recipient)
    assert left == [u"lounge@conference.example.test/Bob", u"other@conference.example.test/Bob"], \
        "unavailable presences sent to rooms: %r" % left
    assert streams[u"alice"].muc(type="occupant", change="left", nick=u"Bob"), \
        "alice did not see bob leave at his logout"
    record = openfire.muc_room(u"conference", u"lounge", u"alice@example.test")
    assert [o.nick for o in record.occupants] == [u"Alice"], [o.nick for o in record.occupants]


def test_joined_rooms_survive_a_stream_reload():
    openfire, app, streams = _setup()
    _rooms(app, u"bob").join(ROOM, u"Bob")
    app.sessions.detach(u"bob", streams[u"bob"])
    again = RecordingStream()
    app.sessions.attach(u"bob", again)
    assert _rooms(app, u"bob").joined() == {ROOM: u"Bob"}, _rooms(app, u"bob").joined()
    assert _rooms(app, u"bob").join(ROOM, u"Bob")["alreadyJoined"] is True


def test_a_refused_send_leaves_no_awaited_answer_behind():
    """Review R11-1: a join or post refused before it went out (a character XML forbids, too
    large) once left its awaited answer behind; the next join of the room then waited for it
    and failed (503 after 10 s), and each refused post stayed for the session's life."""
    openfire, app, streams = _setup()
    alice = _rooms(app, u"alice")
    error = raised(lambda: alice.join(ROOM, u"Alice", u"bad\u0001password"))
    assert error is not None and error.status == 400, repr(error)
    assert alice.join(ROOM, u"Alice")["nick"] == u"Alice", "the next join failed"
    for body in (u"x\u0001", u"x" * 70000):
        refused = raised(lambda: alice.post(ROOM, body, None))
        assert refused is not None and refused.status in (400, 413), repr(refused)
    assert alice._answers.isEmpty(), "awaited answers left: %r" % list(alice._answers.keySet())


def test_presence_or_message_from_a_room_we_are_not_in_is_no_room_event():
    """Review R11-2, R11-9: anyone may send a user a presence claiming status 110 ("this is
    you") or a groupchat message; neither makes a joined room nor a room event."""
    from sparkweb.xmpp import stanza as model
    from jtest_carbons import OtherClient
    openfire, app, streams = _setup()
    mallory = OtherClient(openfire, u"bob", u"forger", carbons=False)
    alice_jid = app.sessions.get(u"alice").jid
    mallory.session.send(model.Stanza("presence", recipient=alice_jid, muc={
        "codes": [110, 201], "item": {"nick": None, "jid": None, "role": u"moderator",
                                      "affiliation": u"owner"}}))
    mallory.session.send(model.Stanza("message", type="groupchat", recipient=alice_jid,
                                      body=u"forged room message"))
    assert _rooms(app, u"alice").joined() == {}, _rooms(app, u"alice").joined()
    assert streams[u"alice"].muc() == [], "room events from a user: %r" % streams[u"alice"].muc()
    _rooms(app, u"alice").join(ROOM, u"Alice")
    assert list(_rooms(app, u"alice").joined()) == [ROOM], _rooms(app, u"alice").joined()


def test_an_invitation_reason_counts_towards_the_message_size_limit():
    """Review R11-8: the reason (which the room forwards to anyone invited) was not counted,
    so a 1 MB reason reached the invitee's stream; a join's password is counted too."""
    openfire, app, streams = _setup()
    alice = _rooms(app, u"alice")
    alice.join(ROOM, u"Alice")
    refused = raised(lambda: alice.invite(ROOM, u"bob@example.test", u"r" * 70000))
    assert refused is not None and refused.status == 413, repr(refused)
    assert not streams[u"bob"].muc(type="invitation"), "the oversized invitation arrived"
    too_long = raised(lambda: _rooms(app, u"bob").join(ROOM, u"Bob", u"p" * 70000))
    assert too_long is not None and too_long.status == 413, repr(too_long)
    assert alice.invite(ROOM, u"bob@example.test", u"r" * 100)["invited"] == \
        u"bob@example.test"
    assert streams[u"bob"].muc(type="invitation"), "a normal invitation did not arrive"


def test_a_mediated_invitation_not_sent_by_a_room_is_dropped():
    """Attack A10, review R11-15: only the room says who invited (XEP-0045 7.8.2). A user who
    sends a muc#user invitation "from bob" made alice's page (and her Web Push) name bob."""
    from sparkweb.xmpp import stanza as model
    from jtest_carbons import OtherClient
    openfire, app, streams = _setup()
    session = app.sessions.get(u"alice")
    seen = []
    session._on_stanza = lambda owner, received: seen.append(received)
    carol = OtherClient(openfire, u"carol", u"forger", carbons=False)
    for sender_room in (u"carol@example.test/forger", u"carol@example.test",
                        u"x@nosuchservice.example.test"):
        forged = model.Stanza("message", recipient=session.jid, invite={
            "room": sender_room, "from": u"bob@example.test", "reason": u"urgent",
            "password": None, "direct": False})
        forged.sender = sender_room
        session.on_stanza(forged)
    carol.session.send(model.Stanza("message", recipient=session.jid, invite={
        "room": u"carol@example.test/forger", "from": u"bob@example.test",
        "reason": u"urgent", "password": None, "direct": False}))
    assert streams[u"alice"].muc(type="invitation") == [], streams[u"alice"].muc()
    assert [s.invite for s in seen] == [None] * 4, [s.invite for s in seen]
    _rooms(app, u"bob").join(ROOM, u"Bob")
    _rooms(app, u"bob").invite(ROOM, u"alice@example.test", u"real")
    real = streams[u"alice"].muc(type="invitation")
    assert [(i["room"], i["from"], i["reason"]) for i in real] == [
        (ROOM, u"bob@example.test", u"real")], real


def test_mine_and_the_senders_jid_are_those_of_the_message_not_of_the_nickname_now():
    """Review R11-14, R11-16: a replayed message of an earlier occupant whose nickname this
    user (or someone else) holds now was marked mine, and named the current holder's JID."""
    openfire, app, streams = _setup()
    glass = u"glass@conference.example.test"
    openfire.muc.create_room(u"glass", owner=u"carol@example.test",
                             can_anyone_discover_jid=True)
    _rooms(app, u"bob").join(glass, u"Same")
    _rooms(app, u"bob").post(glass, u"by bob", None)
    _rooms(app, u"bob").leave(glass)
    _rooms(app, u"carol").join(glass, u"Same")
    _rooms(app, u"alice").join(glass, u"Alice")
    replayed = streams[u"alice"].muc(type="groupchat", body=u"by bob")
    assert replayed and replayed[0]["history"] is True, replayed
    assert replayed[0]["occupantJid"] == u"bob@example.test/sparkweb", \
        "the replayed message names %r" % replayed[0]["occupantJid"]
    _rooms(app, u"carol").leave(glass)
    _rooms(app, u"alice").leave(glass)
    _rooms(app, u"alice").join(glass, u"Same")
    again = streams[u"alice"].muc(type="groupchat", body=u"by bob")
    assert [m["mine"] for m in again] == [False, False], "bob's message marked alice's: %r" % (
        again,)
    _rooms(app, u"alice").post(glass, u"by alice", None)
    assert [m["mine"] for m in streams[u"alice"].muc(body=u"by alice")] == [True]


def test_the_same_users_other_client_shares_its_nickname():
    """Review R11-10: Openfire refuses a nickname only when another user holds it; the
    user's phone in the room as "Alice" does not keep SparkWeb out as "Alice"."""
    from sparkweb.xmpp import stanza as model
    from jtest_carbons import OtherClient
    openfire, app, streams = _setup()
    openfire.muc.create_room(u"lounge", owner=u"carol@example.test")
    phone = OtherClient(openfire, u"alice", u"phone", carbons=False)
    phone.session.send(model.room_join(ROOM + u"/Alice"))
    assert _rooms(app, u"alice").join(ROOM, u"Alice")["nick"] == u"Alice", "refused"
    taken = raised(lambda: _rooms(app, u"bob").join(ROOM, u"alice"))
    assert (taken.code, taken.status) == ("conflict", 409), repr(taken)


def test_the_users_other_client_leaving_a_shared_nickname_leaves_sparkweb_in_the_room():
    """Review R11-10: one of a user's clients under a shared nickname leaving is told to that
    client only (Openfire); SparkWeb stays in the room, as its rooms list and posts show. Both
    clients get the self-presence (110) of the other's join, as on Openfire."""
    from sparkweb.xmpp import stanza as model
    from jtest_carbons import OtherClient
    openfire, app, streams = _setup()
    openfire.muc.create_room(u"lounge", owner=u"carol@example.test")
    _rooms(app, u"bob").join(ROOM, u"Bob")
    phone = OtherClient(openfire, u"alice", u"phone", carbons=False)
    phone.session.send(model.room_join(ROOM + u"/Alice"))
    assert _rooms(app, u"alice").join(ROOM, u"Alice")["nick"] == u"Alice", "refused"
    own = [s for s in phone.received if s.kind == "presence" and
           110 in ((s.muc or {}).get("codes") or []) and s.type is None]
    assert len(own) == 2, "the phone got %d self-presences, not its own and SparkWeb's" % len(own)
    left_before = len(streams[u"bob"].muc(change="left", nick=u"Alice"))
    phone.session.send(model.room_leave(ROOM + u"/Alice"))
    assert _rooms(app, u"alice").joined() == {ROOM: u"Alice"}, "SparkWeb thinks it left"
    assert not streams[u"alice"].muc(change="left", nick=u"Alice"), "alice told she left"
    assert len(streams[u"bob"].muc(change="left", nick=u"Alice")) == left_before, \
        "the room told bob that Alice left while SparkWeb is still in as Alice"
    _rooms(app, u"alice").post(ROOM, u"still here", None)
    assert streams[u"bob"].muc(type="groupchat", body=u"still here"), "the post did not arrive"
    phone.session.send(model.room_join(ROOM + u"/Alice"))     # and the other way round
    _rooms(app, u"alice").leave(ROOM)
    assert not streams[u"bob"].muc(change="left", nick=u"Alice"), "bob told Alice left"
    openfire.muc.kick(u"lounge", u"Alice")
    kicked = [s for s in phone.received if s.type == "unavailable" and
              307 in ((s.muc or {}).get("codes") or [])]
    assert kicked, "a kick of the nickname did not reach the phone"
