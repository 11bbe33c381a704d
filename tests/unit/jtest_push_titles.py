"""A notification's title always carries the real sender's address, first, so that a contact or a
stranger cannot pose as someone else on a lock screen (findings-13 A6, 13-5, S5-13-7); a
stranger's text is replaced by the neutral one (A2, S5-13-1)."""
from __future__ import absolute_import

from sparkweb.openfire.facade import RosterEntry
from sparkweb.push import automatic, publishing
from sparkweb.xmpp.stanza import Stanza

from jtest_webpush import Transport, app_with, chat


def _with_carol(app, name=u"Openfire Administrator"):
    app.openfire.add_user(u"carol", u"carol-pw", name=name)


def _from_carol(text):
    return chat(text, sender=u"carol@example.test/x")


def test_a_stranger_with_anyones_display_name_is_shown_by_address_without_text():
    openfire, app = app_with(Transport())
    try:
        _with_carol(app)
        note = app.webpush.automatic.notification(
            u"alice", "chat", _from_carol(u"sign in at https://evil.example/"))
        assert note.title == u"carol@example.test (Openfire Administrator)", \
            "the title hides the sender: %r" % note.title
        assert note.body == u"New message", "a stranger's text reached the lock screen: %r" % (
            note.body,)
    finally:
        app.webpush.stop()


def test_a_pending_subscription_request_does_not_make_a_contact():
    """Openfire lists anyone who asked to subscribe in the roster, with subscription none."""
    openfire, app = app_with(Transport())
    try:
        _with_carol(app)
        real = openfire.roster
        openfire.roster = lambda username: list(real(username)) + [
            RosterEntry(u"carol@example.test", u"", (), 0)]
        note = app.webpush.automatic.notification(u"alice", "chat", _from_carol(u"secret"))
        assert note.body == u"New message", "a subscription request made carol a contact"
    finally:
        app.webpush.stop()


def test_a_contact_is_shown_with_address_name_and_text():
    openfire, app = app_with(Transport())
    try:
        note = app.webpush.automatic.notification(u"alice", "chat", chat(u"tea?"))
        assert (note.title, note.body) == (u"bob@example.test (Bob)", u"tea?"), vars(note)
    finally:
        app.webpush.stop()


def test_a_name_cannot_imitate_an_address_or_hide_the_real_one():
    openfire, app = app_with(Transport())
    try:
        for name in (u"Alice (alice@example.test)" + u"\u2003" * 60, u"\u202eCEO",
                     u"Boss\n\u2028" + u" " * 80 + u"x"):
            openfire.get_user(u"bob").name = name
            title = app.webpush.automatic.notification(u"alice", "chat", chat(u"hi")).title
            assert title.startswith(u"bob@example.test"), "the address is not first: %r" % title
            assert u"alice@" not in title and u"\u202e" not in title and u"\n" not in title \
                and u"  " not in title and len(title) <= len(u"bob@example.test") + 3 + \
                automatic.MAX_NAME_CHARS, "the name was not cleaned: %r" % title
    finally:
        app.webpush.stop()


def test_a_forged_invitation_names_its_real_sender_not_the_inner_from():
    openfire, app = app_with(Transport())
    try:
        _with_carol(app)
        forged = Stanza("message", type="normal", sender=u"carol@example.test/x",
                        recipient=u"alice@example.test/sparkweb",
                        invite={"room": u"trap@conference.example.test",
                                "from": u"bob@example.test", "reason": None, "password": None,
                                "direct": False})
        note = app.webpush.automatic.notification(u"alice", "invitation", forged)
        assert note.title.startswith(u"carol@example.test") and u"Bob" not in note.title, \
            "the inner from was believed: %r" % note.title
        assert note.body == u"New invitation", "a stranger's room name shown: %r" % note.body
    finally:
        app.webpush.stop()


def test_a_room_mention_names_the_room():
    openfire, app = app_with(Transport())
    try:
        mention = Stanza("message", type="groupchat", sender=u"team@conference.example.test/Boss",
                         recipient=u"alice@example.test/sparkweb", body=u"alice, look")
        note = app.webpush.automatic.notification(u"alice", "mention", mention)
        assert note.title == u"team@conference.example.test (Boss)", note.title
        assert note.body == u"alice, look", note.body
    finally:
        app.webpush.stop()


def test_published_notifications_without_a_title_show_the_senders_address():
    for fields in ({"body": u"Carol here: re-enter your password"}, {"body": u"raw text body"}):
        note = publishing.notification(fields, u"Carol", u"bob@example.test")
        assert note.title == u"bob@example.test (Carol)", "the sender is hidden: %r" % (
            note.title,)


def test_a_name_given_as_a_byte_string_is_shown_too():
    # Names read from settings or command lines may be byte strings; unicodedata refuses those.
    title = automatic.with_address("Bob", u"bob@example.test")
    assert title == u"bob@example.test (Bob)", title
