"""Fuzzed queries of the archive endpoints (GET /chat/messages, /groupchat/messages): every
answer is 200 with a page, or a clear 4xx JSON error; never a 5xx (501 only where the server
has no archive at all)."""
import pytest
from hypothesis import example, given, settings, strategies as st

from test_fuzz_auth import is_json_error

TEXT = st.one_of(st.text(max_size=40), st.text(st.sampled_from("@/.:%+ -0123456789Tz\x00\u202e"),
                                               max_size=30),
                 st.sampled_from(["", "bob", "2026-12-02", "12/02/26", "2026-12-02T08:00:00Z",
                                  "-1", "0", "999999999999", "a" * 300]))
QUERIES = st.dictionaries(st.sampled_from(["with", "to", "start", "end", "keywords", "max",
                                           "after", "before", "room", "service",
                                           "serviceName"]), TEXT, max_size=5)


@pytest.fixture(scope="module")
def history_client(target):
    client = target.client(target.login("carol"))
    archive = client.get("/chat/messages").status_code != 501
    yield client, archive
    client.close()


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@example(path="/chat/messages", query={"max": "251"})
@example(path="/chat/messages", query={"after": "1", "before": "2"})
@example(path="/groupchat/messages", query={"room": "a@b/c"})
@example(path="/groupchat/messages", query={"room": "x", "service": "no such service"})
@given(path=st.sampled_from(["/chat/messages", "/groupchat/messages"]), query=QUERIES)
def test_archive_queries_answer_a_page_or_a_clear_4xx(history_client, path, query):
    client, archive = history_client
    answer = client.get(path, params=query)
    status = answer.status_code
    if status == 501:
        assert not archive, "501 from a server that has an archive: %s" % answer.text
        assert is_json_error(answer), answer.text
        return
    assert status < 500, "%s %r -> %s %s" % (path, query, status, answer.text[:300])
    if status == 200:
        page = answer.json()
        assert isinstance(page["messages"], list) and isinstance(page["complete"], bool), page
    else:
        assert is_json_error(answer), "%s %r -> %s %r" % (path, query, status, answer.text[:200])
