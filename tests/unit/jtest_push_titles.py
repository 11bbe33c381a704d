"""A notification's title always carries the real sender's address, so that a contact or a
stranger cannot pose as someone else on a lock screen (findings-13 A6, 13-5); a stranger's text
is replaced by the neutral one (A2)."""
from __future__ import absolute_import

from sparkweb.push import automatic, publishing
from sparkweb.xmpp.stanza import Stanza

from jtest_webpush import Transport, app_with, chat


def _with_carol(app):
    app.openfire.add_user(u"carol", u"carol-pw", name=u"Openfire Administrator")


def test_a_stranger_with_anyones_display_name_is_shown_by_address_without_text():
    openfire, app = app_with(Transport())
    try:
        _with_carol(app)
        note = app.webpush.automatic.notification(
            u"alice", "chat", chat(u"sign in at https://evil.example/",
                                   sender=u"carol@example.test/x"))
        assert note.title == u"Openfire Administrator (carol@example.test)", \
            "the title hides the sender: %r" % note.title
        assert note.body == u"New message", "a stranger's text reached the lock screen: %r" % (
            note.body,)
    finally:
        app.webpush.stop()


def test_a_contact_is_shown_with_name_and_address_and_text():
    openfire, app = app_with(Transport())
    try:
        note = app.webpush.automatic.notification(u"alice", "chat", chat(u"tea?"))
        assert (note.title, note.body) == (u"Bob (bob@example.test)", u"tea?"), vars(note)
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
        assert u"(carol@example.test)" in note.title and u"Bob" not in note.title, \
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
        assert note.title == u"Boss (team@conference.example.test)", note.title
        assert note.body == u"alice, look", note.body
    finally:
        app.webpush.stop()


def test_published_notifications_without_a_title_show_the_senders_address():
    for fields in ({"body": u"Carol here: re-enter your password"}, {"body": u"raw text body"}):
        note = publishing.notification(fields, u"Carol", u"bob@example.test")
        assert note.title == u"Carol (bob@example.test)", "the sender is hidden: %r" % (
            note.title,)


def test_a_long_name_is_cut_but_never_the_address():
    address = u"bob@example.test"
    title = automatic.with_address(u"x" * 500, address)
    assert title.endswith(u"(%s)" % address) and len(title) <= automatic.MAX_TITLE_CHARS, title
    long_address = u"a" * 150 + u"@example.test"
    assert automatic.with_address(u"Name", long_address).endswith(u"(%s)" % long_address), \
        "the address was cut"
