"""Messages that came while no page of the user was open, and whose session then ended: kept
as offline messages for the user's next session instead of lost (session.user_session,
Openfire.store_unread); never twice (a page saw them, or another session of the user may
have), never pushed again."""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.xmpp import stanza
from support import Clock, RecordingStream, openfire_with_users, services


def setup():
    openfire = openfire_with_users()
    openfire.add_contacts(u"alice", u"bob")
    clock = Clock()
    app = services(openfire, clock)
    stored = []

    class Listener(object):
        def message_stored(self, username, message):
            stored.append((username, message.body))
    openfire.add_offline_listener(Listener())
    return openfire, clock, app, stored


def say(app, text, to=u"bob@example.test"):
    app.sessions.get_or_start(u"alice").send(stanza.message(to, body=text))


def bodies(stream):
    return [e.text for e in stream.named("chatapi.chat")]


class Phone(object):
    """Another XMPP client of the user (a phone), as the facade's session listener."""

    def __init__(self):
        self.got = []

    def on_stanza(self, received):
        self.got.append(received)

    def on_closed(self):
        pass


def page_closes_and_grace_ends(app, clock, session, stream):
    session.detach(stream)
    clock.advance(app.settings.get(config.SESSION_GRACE) + 1)
    app.sessions.expire()
    assert app.sessions.get(u"bob") is None, "the session did not end"


def test_messages_no_page_saw_reach_the_next_session_as_offline_messages():
    openfire, clock, app, pushed_again = setup()
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    say(app, u"seen on the page")
    bob.detach(page)
    say(app, u"while the page was closed")
    say(app, u"to the full JID too", to=bob.jid)
    bob.send(stanza.message(u"alice@example.test", body=u"bob's own"))   # not kept: sent
    clock.advance(app.settings.get(config.SESSION_GRACE) + 1)
    app.sessions.expire()
    assert app.sessions.get(u"bob") is None, "the session did not end"
    kept = [message.body for message in openfire.xmpp.offline_messages(u"bob")]
    assert [b for b in kept] == [u"while the page was closed", u"to the full JID too"], kept
    assert all(m.delay for m in openfire.xmpp.offline_messages(u"bob")), "no delay stamp"
    assert not pushed_again, "offline listeners told again: %r" % pushed_again
    page = RecordingStream()
    app.sessions.get_or_start(u"bob").attach(page)
    shown = bodies(page)
    assert len(shown) == 2 and u"while the page was closed" in shown[0] and \
        u"to the full JID too" in shown[1], shown


def test_nothing_is_kept_that_a_page_replayed_or_that_is_not_a_message_to_read():
    openfire, clock, app, _ = setup()
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    say(app, u"before the reload")
    bob.detach(page)
    say(app, u"during a reload")
    reloaded = RecordingStream()
    bob.attach(reloaded, last_event_id=page.events[-1].id)   # replayed to it
    assert [e for e in reloaded.events if u"during a reload" in e.text], reloaded.names()
    bob.detach(reloaded)
    app.sessions.get_or_start(u"alice").send(stanza.message(u"bob@example.test",
                                                            chat_state=u"composing"))
    page_closes_and_grace_ends(app, clock, bob, RecordingStream())
    assert openfire.xmpp.offline_messages(u"bob") == [], \
        [m.body for m in openfire.xmpp.offline_messages(u"bob")]


def test_nothing_is_kept_while_another_session_of_the_user_may_have_had_them():
    openfire, clock, app, _ = setup()

    phone = openfire.open_session(u"bob", u"phone", Phone())
    phone.send(stanza.presence())
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    say(app, u"to the full JID", to=bob.jid)
    page_closes_and_grace_ends(app, clock, bob, RecordingStream())
    assert openfire.xmpp.offline_messages(u"bob") == [], "kept while the phone was online"


def test_what_came_while_a_phone_was_online_is_not_kept_when_the_phone_leaves_first():
    """S7-R-5: the check for another session was made only at the end, so a phone that had
    the messages (carbons) and went away first got them twice, stored offline."""
    openfire, clock, app, _ = setup()

    phone = openfire.open_session(u"bob", u"phone", Phone())
    phone.send(stanza.presence())
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    say(app, u"while the phone was online", to=bob.jid)
    phone.close()                                   # the phone leaves before SparkWeb's end
    say(app, u"once the phone had left", to=bob.jid)
    page_closes_and_grace_ends(app, clock, bob, RecordingStream())
    kept = [message.body for message in openfire.xmpp.offline_messages(u"bob")]
    assert kept == [u"once the phone had left"], kept


def test_a_sign_out_keeps_them_too_and_no_sender_pushes_out_another_senders():
    openfire, clock, app, _ = setup()
    openfire.add_user(u"carol", u"carol-pw")
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    say(app, u"from alice, first")
    carol = app.sessions.get_or_start(u"carol")
    for number in range(520):      # a flood after it (attack S7-A-4)
        carol.send(stanza.message(u"bob@example.test", body=u"flood %d" % number))
    app.sessions.end(u"bob")
    kept = [message.body for message in openfire.xmpp.offline_messages(u"bob")]
    assert u"from alice, first" in kept, "another sender's flood pushed it out"
    floods = [body for body in kept if body.startswith(u"flood")]
    assert len(floods) == 50 and floods[-1] == u"flood 519", (len(floods), floods[-1:])


def test_a_page_that_replays_nothing_leaves_them_unseen():
    # A page connecting without Last-Event-ID after the first stream gets no replay (attack
    # S7-A-3): what came before it is still unseen when the session ends.
    openfire, clock, app, _ = setup()
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    say(app, u"before the new page")
    fresh = RecordingStream()
    bob.attach(fresh)
    assert not [e for e in fresh.events if u"before the new page" in e.text], "replayed"
    say(app, u"seen live")
    app.sessions.end(u"bob")
    kept = [message.body for message in openfire.xmpp.offline_messages(u"bob")]
    assert kept == [u"before the new page"], kept


def test_what_is_kept_has_a_byte_budget():
    openfire, clock, app, _ = setup()
    openfire.set_property(config.SSE_REPLAY_BYTES.key, u"100000")
    app = services(openfire, clock)
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    for number in range(40):      # some 40 x 8,000 characters (attack S7-A-5)
        say(app, (u"%02d" % number) + u"x" * 8000)
    app.sessions.end(u"bob")
    kept = [message.body for message in openfire.xmpp.offline_messages(u"bob")]
    assert 0 < len(kept) < 40 and kept[-1].startswith(u"39"), (len(kept), kept[-1][:2])


def test_a_message_arriving_while_the_session_closes_is_kept_too():
    # Review S7-R-4: what reaches the session while it leaves its rooms and closes.
    openfire = openfire_with_users()
    openfire.add_contacts(u"alice", u"bob")
    app = services(openfire, Clock())
    alice = app.sessions.get_or_start(u"alice")
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    alice.send(stanza.message(u"bob@example.test", body=u"before the end"))
    leave_all = bob.rooms.leave_all

    def leave_all_while_a_message_comes(xmpp):
        alice.send(stanza.message(u"bob@example.test", body=u"while leaving rooms"))
        leave_all(xmpp)
    bob.rooms.leave_all = leave_all_while_a_message_comes
    app.sessions.end(u"bob")
    kept = [m.body for m in openfire.xmpp.offline_messages(u"bob")]
    assert kept == [u"before the end", u"while leaving rooms"], "kept: %r" % kept
