"""Integer path and query parameters take ASCII digits only, as their schemas say (findings-10
S5-A4): unicode.isdigit() and int() also read "\uff15" (fullwidth five) and "\u0665" (Arabic-
Indic five), so the server acted on numbers the contract (and proxies checking it) refuse."""
from __future__ import absolute_import

from sparkweb.api import bookmarks, collaboration, groupchat_input, history
from sparkweb.api.fields import is_number
from sparkweb.auth.tokens import Claims
from sparkweb.errors import BadRequest
from support import FakeRequest, openfire_with_users, raised, services

OTHER_FIVES = (u"\uff15", u"\u0665", u"\u0e55")


class QueryRequest(FakeRequest):
    def __init__(self, app, claims, params=None, queries=None):
        FakeRequest.__init__(self, app, claims, params)
        self.queries = queries or {}

    def query(self, name, default=None):
        return self.queries.get(name, default)


def _request(params=None, queries=None):
    return QueryRequest(services(openfire_with_users()), Claims(u"alice", u"id", 0), params,
                        queries)


def test_only_ascii_digits_are_numbers():
    assert is_number(u"0") and is_number(u"12345"), "ASCII digits refused"
    for text in OTHER_FIVES + (u"", u"+5", u"-1", u"5 ", u"1\n", u"\u00b2"):
        assert not is_number(text), "%r taken for a number" % text


def test_upload_size_preview_quality_and_page_size_refuse_other_digits():
    for five in OTHER_FIVES:
        calls = [
            ("upload fileSize", lambda: collaboration.get_upload_slot(
                _request({"fileName": u"a.txt", "fileSize": five}))),
            ("preview quality", lambda: collaboration.get_preview(
                _request({"quality": five, "url": u"aHR0cHM6Ly9leGFtcGxlLm9yZy8"}))),
            ("history max", lambda: history._page_size(_request(queries={"max": five}))),
            ("rooms max", lambda: groupchat_input.rooms_per_page(
                _request(queries={"max": five}))),
        ]
        for name, call in calls:
            error = raised(call)
            assert isinstance(error, BadRequest), "%s %r: %r, not a 400" % (name, five, error)


def test_a_bookmark_id_of_other_digits_is_no_shared_bookmark_number():
    for five in OTHER_FIVES:
        shared = bookmarks._shared_id(_request({"bookmarkID": five}))
        assert shared is None, "bookmark id %r read as shared bookmark %r" % (five, shared)
