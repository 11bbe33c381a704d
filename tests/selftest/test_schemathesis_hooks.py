"""The schemathesis hooks (tests/http/schemathesis_support) follow what the run does to its own
user, and drop only the 5xx that SparkWeb documents for a missing optional plugin."""
import importlib
import os
import sys

import pytest

SUPPORT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "http", "schemathesis_support")


class Operation(object):
    def __init__(self, path, responses=("200",), security=True):
        raw = {"responses": dict((status, {}) for status in responses)}
        if security:
            raw["security"] = [{"token": []}]
        self.path = path
        self.definition = type("Definition", (), {"raw": raw})()


class Case(object):
    def __init__(self, method, operation, body=None):
        self.method, self.operation, self.body = method, operation, body
        self.headers, self.path_parameters = {}, {}


class Answer(object):
    def __init__(self, status_code, data, content_type="application/json"):
        self.status_code, self.data = status_code, data
        self.headers = {"content-type": [content_type]}

    def json(self):
        return self.data


@pytest.fixture
def hooks(monkeypatch):
    monkeypatch.syspath_prepend(SUPPORT)
    monkeypatch.setenv("SPARKWEB_ST_REST", "http://127.0.0.1:1/sparkweb/api/rest")
    monkeypatch.setenv("SPARKWEB_ST_USER", "schemathesis")
    monkeypatch.setenv("SPARKWEB_ST_PASSWORD", "first password")
    monkeypatch.setenv("SPARKWEB_ST_DOMAIN", "example.test")
    monkeypatch.setenv("SPARKWEB_ST_GROUP", "schemathesis-group")
    sys.modules.pop("sparkweb_hooks", None)
    module = importlib.import_module("sparkweb_hooks")
    sign_ins = []

    def post(url, content, timeout):
        sign_ins.append(content)
        return type("Reply", (), {
            "status_code": 200, "text": "", "raise_for_status": lambda self: None,
            "json": lambda self: {"token": "token %d" % len(sign_ins)}})()
    monkeypatch.setattr(module.httpx, "post", post)
    module.sign_ins = sign_ins
    yield module
    sys.modules.pop("sparkweb_hooks", None)


def test_a_password_changed_by_the_run_is_the_one_to_sign_in_with(hooks):
    token = hooks.SparkWebToken()
    chat = Case("POST", Operation("/chat/message/{to}"))
    assert token.get(chat, None) == "token 1", "the first operation signs in"
    change = Case("PUT", Operation("/user"), body={"password": "second", "currentPassword": "x"})
    hooks.after_call(None, change, Answer(200, {"username": "schemathesis", "token": "fresh"}))
    assert token.get(chat, None) == "fresh", "the token answered with the new password is used"
    hooks.after_call(None, chat, Answer(401, {"error": "unauthorized"}))
    assert token.get(chat, None) == "token 2", "after a 401 the run signs in again"
    assert hooks.sign_ins == ["first password", "second"], \
        "the second sign-in uses the changed password: %r" % hooks.sign_ins


def test_a_refused_password_change_keeps_the_password(hooks):
    change = Case("PUT", Operation("/user"), body={"password": "second", "currentPassword": "x"})
    hooks.after_call(None, change, Answer(403, {"error": "forbidden"}))
    hooks.after_call(None, change, Answer(401, {"error": "unauthorized"}))
    hooks.SparkWebToken().get(change, None)
    assert hooks.sign_ins == ["first password"], "a refused change is no change: %r" % (
        hooks.sign_ins,)


def test_only_a_documented_not_implemented_answer_is_no_server_error(hooks):
    from schemathesis.core.failures import ServerError
    upload = Case("GET", Operation("/upload/{fileName}/{fileSize}", ("200", "400", "501")))
    chat = Case("POST", Operation("/chat/message/{to}", ("200", "400")))

    def kept(case, status, data):
        failure = ServerError(operation="x", status_code=status)
        return hooks.filter_failure(None, failure, case, Answer(status, data))
    assert not kept(upload, 501, {"error": "not_implemented", "message": "no plugin"}), \
        "the documented 501 for a missing plugin is SparkWeb's answer, not a server error"
    assert kept(upload, 500, {"error": "internal"}), "a 500 stays a failure"
    assert kept(upload, 501, {"error": "internal"}), "a 501 of another kind stays a failure"
    assert kept(chat, 501, {"error": "not_implemented"}), "an undocumented 501 stays a failure"
