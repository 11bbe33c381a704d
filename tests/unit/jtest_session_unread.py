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
    bob.detach(page)
    say(app, u"during a reload")
    page = RecordingStream()
    bob.attach(page, last_event_id=None)       # the reloaded page: replayed to it
    bob.detach(page)
    app.sessions.get_or_start(u"alice").send(stanza.message(u"bob@example.test",
                                                            chat_state=u"composing"))
    page_closes_and_grace_ends(app, clock, bob, RecordingStream())
    assert openfire.xmpp.offline_messages(u"bob") == [], \
        [m.body for m in openfire.xmpp.offline_messages(u"bob")]


def test_nothing_is_kept_while_another_session_of_the_user_may_have_had_them():
    openfire, clock, app, _ = setup()

    class Phone(object):
        def __init__(self):
            self.got = []

        def on_stanza(self, received):
            self.got.append(received)

        def on_closed(self):
            pass
    phone = openfire.open_session(u"bob", u"phone", Phone())
    phone.send(stanza.presence())
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    say(app, u"to the full JID", to=bob.jid)
    page_closes_and_grace_ends(app, clock, bob, RecordingStream())
    assert openfire.xmpp.offline_messages(u"bob") == [], "kept while the phone was online"


def test_a_sign_out_keeps_them_too_and_at_most_the_newest_500():
    openfire, clock, app, _ = setup()
    bob = app.sessions.get_or_start(u"bob")
    page = RecordingStream()
    bob.attach(page)
    bob.detach(page)
    for number in range(502):
        say(app, u"message %d" % number)
    app.sessions.end(u"bob")
    kept = [message.body for message in openfire.xmpp.offline_messages(u"bob")]
    assert len(kept) == 500 and kept[0].endswith(u" 2") and \
        kept[-1].endswith(u"501"), (len(kept), kept[:1], kept[-1:])
