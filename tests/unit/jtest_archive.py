"""GET /chat/messages and /groupchat/messages against the in-memory archive: paging both ways,
filters, only the caller's own archive, 501 without an archive, 400 for bad input."""
from __future__ import absolute_import

from sparkweb.api import history
from sparkweb.auth.tokens import Claims
from sparkweb.errors import BadRequest, NotFound, PluginMissing
from sparkweb.xmpp import stanza
from jtest_carbons import OtherClient
from jtest_sessions import RecordingStream, setup
from support import FakeRequest, raised


class QueryRequest(FakeRequest):
    def __init__(self, app, username, **query):
        FakeRequest.__init__(self, app, Claims(username, u"id", 0))
        self._query = query

    def query(self, name, default=None):
        return self._query.get(name, default)


def conversation(count=5):
    openfire, clock, app = setup()
    openfire.add_user(u"carol", u"carol-pw")
    stream = RecordingStream()
    app.sessions.get_or_start(u"alice").attach(stream)
    bob = OtherClient(openfire, u"bob", u"desk")
    for number in range(count):
        bob.session.send(stanza.message(u"alice@example.test", body=u"line %d" % number))
    return openfire, app, bob, stream


def bodies(page):
    return [message["body"] for message in page["messages"]]


def test_a_conversation_pages_forwards_and_backwards():
    openfire, app, bob, stream = conversation()
    first = history.get_chat_messages(QueryRequest(app, u"alice", max=u"2"))
    assert bodies(first) == [u"line 0", u"line 1"], first
    assert first["count"] == 5 and first["complete"] is False, first
    second = history.get_chat_messages(QueryRequest(app, u"alice", max=u"2", after=first["last"]))
    assert bodies(second) == [u"line 2", u"line 3"], second
    newest = history.get_chat_messages(QueryRequest(app, u"alice", max=u"2", before=u""))
    assert bodies(newest) == [u"line 3", u"line 4"], newest
    older = history.get_chat_messages(QueryRequest(app, u"alice", max=u"2",
                                                   before=newest["first"]))
    assert bodies(older) == [u"line 1", u"line 2"], older
    message = first["messages"][0]
    assert message["from"].startswith(u"bob@example.test") and message["outgoing"] is False, \
        message
    assert message["sentDate"] and message["id"], message


def test_archive_results_are_no_events():
    openfire, app, bob, stream = conversation(3)
    before = len(stream.events)
    history.get_chat_messages(QueryRequest(app, u"alice"))
    assert len(stream.events) == before, "archive results became events: %r" % (
        stream.names()[before:])


def test_an_archived_message_names_its_stanza_id_as_its_live_event_did():
    """The page's <sparkweb-chat> tells an archived message from one it showed live by this id
    (two messages with the same text are two messages)."""
    import json
    openfire, app, bob, stream = conversation(0)
    for number in range(2):
        bob.session.send(stanza.message(u"alice@example.test", body=u"ok", id=u"ok-%d" % number))
    live = [json.loads(event.frame.tostring().decode("utf-8").split("data: ", 1)[1])["id"]
            for event in stream.named("chatapi.chat")]
    page = history.get_chat_messages(QueryRequest(app, u"alice"))
    archived = [message["messageId"] for message in page["messages"]]
    assert archived == [u"ok-0", u"ok-1"] and live == archived, (archived, live)
    assert page["messages"][0]["id"] != u"ok-0", "the archive id is the archive's own"


def test_filters_with_and_keywords():
    openfire, app, bob, stream = conversation(3)
    carol = OtherClient(openfire, u"carol", u"desk")
    carol.session.send(stanza.message(u"alice@example.test", body=u"carol says hello"))
    only_carol = history.get_chat_messages(QueryRequest(app, u"alice", to=u"carol"))
    assert bodies(only_carol) == [u"carol says hello"], only_carol
    also_with = history.get_chat_messages(QueryRequest(app, u"alice", **{"with": u"bob"}))
    assert len(also_with["messages"]) == 3, also_with
    found = history.get_chat_messages(QueryRequest(app, u"alice", keywords=u"HELLO"))
    assert bodies(found) == [u"carol says hello"], found
    later = history.get_chat_messages(QueryRequest(app, u"alice", start=u"2999-01-01"))
    assert later["messages"] == [], later


def test_only_the_callers_own_archive():
    openfire, app, bob, stream = conversation(2)
    carol = OtherClient(openfire, u"carol", u"desk")
    carol.session.send(stanza.message(u"bob@example.test", body=u"secret for bob"))
    seen = history.get_chat_messages(QueryRequest(app, u"alice"))
    assert u"secret for bob" not in bodies(seen), seen
    seen = history.get_chat_messages(QueryRequest(app, u"alice", to=u"bob"))
    assert u"secret for bob" not in bodies(seen), seen


def test_without_an_archive_501_names_the_monitoring_plugin():
    openfire, app, bob, stream = conversation(1)
    openfire.archive.enabled = False
    error = raised(lambda: history.get_chat_messages(QueryRequest(app, u"alice")))
    assert isinstance(error, PluginMissing) and error.status == 501, repr(error)
    assert u"Monitoring plugin" in error.message, error.message


def test_bad_input_is_400():
    openfire, app, bob, stream = conversation(1)
    for query in ({"max": u"0"}, {"max": u"x"}, {"max": u"251"}, {"start": u"yesterday"},
                  {"start": u"2026-12-03", "end": u"2026-12-02"}, {"after": u"1", "before": u"2"},
                  {"to": u"a@b@c"}, {"keywords": u"\u0001"}, {"after": u"x" * 201}):
        error = raised(lambda: history.get_chat_messages(QueryRequest(app, u"alice", **query)))
        assert isinstance(error, BadRequest), "%r gave %r" % (query, error)


def test_an_unknown_page_id_is_404():
    openfire, app, bob, stream = conversation(1)
    error = raised(lambda: history.get_chat_messages(QueryRequest(app, u"alice", after=u"12345")))
    assert isinstance(error, NotFound), repr(error)


def test_a_page_id_that_fails_the_archive_is_404_not_503():
    """Openfire's Monitoring answers internal-server-error for a page id that is neither one
    of its stanza ids nor a number (the fuzz test found ':' on Openfire 5.1.1): that is an
    unknown page, a 404, not a failing archive."""
    openfire, app, bob, stream = conversation(1)
    for key in (u":", u"nope"):
        for name in ("after", "before"):
            error = raised(lambda: history.get_chat_messages(QueryRequest(
                app, u"alice", **{name: key})))
            assert isinstance(error, NotFound), "%s=%r gave %r" % (name, key, error)


def test_spec_dates_are_accepted():
    openfire, app, bob, stream = conversation(1)
    page = history.get_chat_messages(QueryRequest(app, u"alice", start=u"01/01/20",
                                                  end=u"12/31/99"))
    assert bodies(page) == [u"line 0"], page


def test_a_room_the_caller_may_not_read_is_404_like_a_missing_one():
    openfire, app, bob, stream = conversation(1)
    hidden = raised(lambda: history.get_groupchat_messages(QueryRequest(
        app, u"alice", room=u"secret")))
    missing = raised(lambda: history.get_groupchat_messages(QueryRequest(
        app, u"alice", room=u"nothing@conference.example.test")))
    assert isinstance(hidden, NotFound) and isinstance(missing, NotFound), (hidden, missing)
    assert hidden.message == missing.message, (hidden.message, missing.message)
    for room in (u"", u"a@b/c", u"bad room\u0001"):
        error = raised(lambda: history.get_groupchat_messages(QueryRequest(
            app, u"alice", room=room)))
        assert isinstance(error, BadRequest), "%r gave %r" % (room, error)


def test_room_jid_has_the_dot_before_the_domain():
    openfire, app, bob, stream = conversation(0)
    openfire.add_muc_service(u"chat")
    asked = []
    original = openfire.muc_room
    openfire.muc_room = lambda service, name, viewer: asked.append((service, name)) or \
        original(service, name, viewer)
    raised(lambda: history.get_groupchat_messages(QueryRequest(
        app, u"alice", room=u"lounge", service=u"chat")))
    raised(lambda: history.get_groupchat_messages(QueryRequest(
        app, u"alice", room=u"lounge@chat.example.test")))
    assert asked == [(u"chat", u"lounge")] * 2, asked


def test_results_without_a_sender_count_as_the_users_own_archive():
    """Openfire's Monitoring plugin sends personal archive results with no 'from'."""
    openfire, app, bob, stream = conversation(2)
    original = openfire.xmpp.hand_forwarded
    openfire.xmpp.hand_forwarded = lambda session, sender, **kw: original(session, None, **kw)
    page = history.get_chat_messages(QueryRequest(app, u"alice"))
    assert bodies(page) == [u"line 0", u"line 1"], page


def test_room_chat_history_without_an_archive_says_so_for_the_fallback():
    """muc's chat history calls room_chat_history and falls back to the room's own history on
    PluginMissing; with an archive that has no such room it is the hidden 404."""
    from sparkweb.session import archive
    openfire, app, bob, stream = conversation(0)
    session = app.sessions.get(u"alice")
    missing = raised(lambda: archive.room_chat_history(session, u"r@conference.example.test", 5))
    assert isinstance(missing, NotFound), repr(missing)
    openfire.archive.enabled = False
    error = raised(lambda: archive.room_chat_history(session, u"r@conference.example.test", 5))
    assert isinstance(error, PluginMissing), repr(error)


def test_only_the_queried_archive_or_the_server_answers_a_query():
    """The session's one IQ mechanism (session.requests) gathers a query's results from the
    queried address or the server (no 'from'), consumes every result, and takes the answer
    only from the queried address: another user who guessed the ids adds and answers nothing."""
    from sparkweb.session.requests import PendingRequests, QueryResults
    from sparkweb.xmpp import forwarding
    room = u"lounge@conference.example.test"
    requests, results = PendingRequests(), QueryResults(u"q1")

    def result(sender, archive_id):
        message = stanza.Stanza("message", sender=sender)
        message.archived = forwarding.ArchivedResult(u"q1", archive_id, None,
                                                     stanza.message(room, body=archive_id))
        return message

    def deliver(iq):
        for sender, archive_id in ((u"mallory@example.test/x", u"forged"),
                                   (room + u"/nick", u"room"), (None, u"server")):
            assert requests.answered(result(sender, archive_id)), "a result became an event"
        forged = stanza.Stanza("iq", type="result", id=iq.id, sender=u"mallory@example.test")
        assert not requests.answered(forged), "another user answered the query"
        assert requests.answered(stanza.Stanza("iq", type="result", id=iq.id, sender=room))

    query = forwarding.iq("set", u"i1", forwarding.ArchiveQuery(u"q1"), recipient=room)
    answer = requests.send_and_wait(query, deliver, 5, u"alice@example.test/web", results)
    assert answer.sender == room, answer.sender
    kept = [item.archive_id for item in results.items]
    assert kept == [u"room", u"server"], kept
    assert requests.count() == 0, "a request was left pending"
    assert requests.answered(result(room, u"late")), "a late result became an event"


def test_page_ids_and_years_the_archive_cannot_take_are_refused_before_asking_it():
    """Attack A4: Openfire's archive logs an error with a stack trace for a page id that is
    neither a number nor a stable id, and for a year of more or fewer than four digits, whose
    filter it then drops (a query from the year 10000 answered everything)."""
    openfire, app, bob, stream = conversation(1)
    asked = []
    original = openfire.archive.answer
    openfire.archive.answer = lambda session, iq: asked.append(iq) or original(session, iq)
    for key in (u"abc", u"99999999999999999999999", u"1e3", u"9223372036854775808",
                u"\u0663", u"-1"):
        error = raised(lambda: history.get_chat_messages(QueryRequest(app, u"alice",
                                                                      after=key)))
        assert isinstance(error, NotFound), "after=%r gave %r" % (key, error)
    for query in ({"start": u"+10000-01-01"}, {"end": u"-999999999-01-01"},
                  {"start": u"-0001-01-01"}, {"end": u"+10000-01-01T00:00:00Z"},
                  {"start": u"0000-12-31"}):
        error = raised(lambda: history.get_chat_messages(QueryRequest(app, u"alice", **query)))
        assert isinstance(error, BadRequest), "%r gave %r" % (query, error)
    assert asked == [], "the archive was asked %d times" % len(asked)
    for key in (u"1", u"9223372036854775807", u"123e4567-e89b-12d3-a456-426614174000"):
        raised(lambda: history.get_chat_messages(QueryRequest(app, u"alice", before=key)))
    page = history.get_chat_messages(QueryRequest(app, u"alice", start=u"0001-01-01",
                                                  end=u"9999-12-31"))
    assert bodies(page) == [u"line 0"], page
    assert len(asked) == 4, "ids the archive takes were not asked for: %d" % len(asked)
