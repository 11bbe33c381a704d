"""GET/POST /config/properties: the caller's own properties, protected names never read or
written, limits, and all-or-nothing changes."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import (BrokenBarrierException, ConcurrentLinkedQueue, CyclicBarrier,
                                  TimeoutException, TimeUnit)

from sparkweb import config, user_properties
from sparkweb.api import properties
from sparkweb.auth.tokens import Claims
from sparkweb.errors import ApiError
from sparkweb.user_properties import MAX_NAME_LENGTH, MAX_VALUE_LENGTH, parse_changes
from support import FakeRequest, openfire_with_users, services


class BodyRequest(FakeRequest):
    def __init__(self, app, username, body):
        FakeRequest.__init__(self, app, Claims(username, u"id", 0))
        self._body = body

    def json(self):
        return self._body


def post(app, body, username=u"alice"):
    return properties.post_user_config(BodyRequest(app, username, body))


def status_of(call, *args):
    try:
        call(*args)
    except ApiError as error:
        return error.status
    return 200


def test_get_lists_own_properties_without_protected_ones():
    openfire = openfire_with_users()
    openfire.set_user_property(u"alice", u"theme", u"dark")
    openfire.set_user_property(u"alice", u"totp.secret", u"JBSWY3DP")
    openfire.set_user_property(u"bob", u"theme", u"light")
    body = properties.get_user_config(FakeRequest(services(openfire), Claims(u"alice", u"id", 0)))
    assert body == {"properties": [{"key": u"theme", "value": u"dark"}]}, repr(body)


def test_post_sets_and_deletes_only_on_the_caller():
    openfire = openfire_with_users()
    openfire.set_user_property(u"alice", u"old", u"x")
    openfire.set_user_property(u"bob", u"theme", u"light")
    body = post(services(openfire), [{"name": u"theme", "value": u"dark"},
                                     {"name": u"old", "value": None}])
    assert body["properties"] == [{"key": u"theme", "value": u"dark"}], repr(body)
    assert openfire.get_user_properties(u"bob") == {u"theme": u"light"}, "bob's changed"


def test_accepted_body_shapes_and_value_kinds():
    expected = [(u"a", u"1"), (u"b", u"true"), (u"c", None), (u"d", None), (u"e", u"text")]
    pairs = [{"name": u"a", "value": 1}, {"key": u"b", "value": True}, {"name": u"c", "value": None},
             {"name": u"d", "value": u""}, {"name": u"e", "value": u"text"}]
    assert parse_changes(pairs) == expected, repr(parse_changes(pairs))
    assert parse_changes({"properties": pairs}) == expected, "GET's shape refused"
    assert parse_changes({"name": u"a", "value": u"v"}) == [(u"a", u"v")], "single pair refused"


def test_malformed_bodies_are_400():
    app = services()
    for body in (u"text", 5, None, [5], [{"value": u"x"}], [{"name": u"", "value": u"x"}],
                 [{"name": u"a b", "value": u"x"}], [{"name": u"caf\u00e9", "value": u"x"}],
                 [{"name": u"theme ", "value": u"x"}], [{"name": u"a", "value": [1]}],
                 [{"name": u"a", "value": {}}], [{"name": u"a", "value": u"1"},
                                                 {"key": u"a", "value": u"2"}],
                 [{"name": u"n" * (MAX_NAME_LENGTH + 1), "value": u"x"}],
                 [{"name": u"a", "value": u"v" * (MAX_VALUE_LENGTH + 1)}],
                 [{"name": u"a", "value": u"\U0001F600" * (MAX_VALUE_LENGTH // 2 + 1)}]):
        assert status_of(post, app, body) == 400, "accepted %r" % (body,)


def test_longest_name_and_value_are_accepted():
    app = services()
    body = post(app, [{"name": u"n" * MAX_NAME_LENGTH, "value": u"v" * MAX_VALUE_LENGTH}])
    assert len(body["properties"]) == 1, repr(body)[:200]


def test_protected_names_are_403_in_any_case_and_nothing_is_written():
    openfire = openfire_with_users()
    app = services(openfire)
    app.settings.set(config.PROTECTED_PROPERTIES, u"internal.")
    openfire.set_user_property(u"alice", config.REVOKED_TOKENS_PROPERTY, u"t:9999999999")
    for name in (config.REVOKED_TOKENS_PROPERTY, u"SparkWeb.token.revoked", u"WebAuthn.creds",
                 u"webpush.subscription", u"password", u"secretKey", u"internal.notes"):
        for value in (u"x", None):
            changes = [{"name": u"theme", "value": u"dark"}, {"name": name, "value": value}]
            assert status_of(post, app, changes) == 403, "%s=%r not refused" % (name, value)
    assert openfire.get_user_properties(u"alice") == {
        config.REVOKED_TOKENS_PROPERTY: u"t:9999999999"}, "a refused request wrote something"


def test_forbidden_answer_names_nothing():
    app = services()
    try:
        post(app, [{"name": u"totp.secret", "value": u"x"}])
    except ApiError as error:
        assert error.status == 403 and u"totp" not in error.message, error.message
    else:
        raise AssertionError("protected name accepted")


def test_count_limit_refuses_additions_but_allows_updates_and_deletes():
    openfire = openfire_with_users()
    app = services(openfire)
    app.settings.set(config.USER_PROPERTIES_MAX, 2)
    openfire.set_user_property(u"alice", u"webauthn.x", u"not counted")
    post(app, [{"name": u"a", "value": u"1"}, {"name": u"b", "value": u"2"}])
    assert status_of(post, app, [{"name": u"c", "value": u"3"}]) == 400, "third property added"
    assert u"c" not in openfire.get_user_properties(u"alice"), "refused addition written"
    assert status_of(post, app, [{"name": u"a", "value": u"9"}]) == 200, "update refused"
    assert status_of(post, app, [{"name": u"a", "value": None},
                                 {"name": u"c", "value": u"3"}]) == 200, "swap refused"


def test_names_with_a_trailing_newline_and_values_json_cannot_carry_are_400():
    app = services()
    for body in ([{"name": u"abc\n", "value": u"x"}], [{"name": u"\nabc", "value": u"x"}],
                 [{"name": u"a\nb", "value": u"x"}], [{"name": u"a", "value": float("nan")}],
                 [{"name": u"a", "value": float("inf")}], [{"name": u"a", "value": -float("inf")}]):
        assert status_of(post, app, body) == 400, "accepted %r" % (body,)
    assert app.openfire.get_user_properties(u"alice") == {}, "a refused request wrote something"


class RendezvousOpenfire(object):
    """The in-memory Openfire, except that reading a user's properties waits (bounded) for a
    second reader: two unsynchronised requests then both read before either writes."""

    def __init__(self, openfire):
        self._openfire = openfire
        self._barrier = CyclicBarrier(2)

    def get_user_properties(self, username):
        try:
            self._barrier.await(2, TimeUnit.SECONDS)
        except (BrokenBarrierException, TimeoutException):
            pass     # serialised requests never meet; only the first one waits
        return self._openfire.get_user_properties(username)

    def __getattr__(self, name):
        return getattr(self._openfire, name)


def test_parallel_requests_cannot_pass_the_limit_together():
    openfire = openfire_with_users()
    app = services(openfire)
    app.settings.set(config.USER_PROPERTIES_MAX, 100)
    racing = RendezvousOpenfire(openfire)
    statuses = ConcurrentLinkedQueue()

    def add_sixty(prefix):
        changes = [(u"%s.%d" % (prefix, i), u"x") for i in range(60)]
        try:
            user_properties.apply_changes(racing, app.settings, u"alice", changes)
            statuses.add(200)
        except ApiError as error:
            statuses.add(error.status)
    threads = [Thread(lambda prefix=prefix: add_sixty(prefix)) for prefix in (u"a", u"b", u"c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20000)
    assert not [t for t in threads if t.isAlive()], "a request hung"
    count = len(openfire.get_user_properties(u"alice"))
    assert count <= 100, "%d properties stored, the limit is 100 (%r)" % (count, list(statuses))
    assert sorted(statuses) == [200, 400, 400], "one request fits, two do not: %r" % list(statuses)
