"""Schemathesis hooks for SparkWeb (loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py):
every operation that needs a token gets the run's own user's, signed in once. The run changes
that user, so the hooks follow: a successful ``POST /logout`` revokes the token, a successful
``PUT /user`` with a new password changes the password (and answers the new token), and a 401
where a token was sent means it was revoked; the next operation then signs in afresh.

A documented 501 is SparkWeb's answer for an optional Openfire plugin that is not installed
(DESIGN: "the dependent operation answers 501 naming the plugin", e.g. ``GET /upload`` without
HTTP File Upload); schemathesis counts every 5xx as a server error, so exactly such an answer
(documented for the operation, SparkWeb's JSON ``not_implemented`` error) is not one here.

A path with a control character, ``\\`` or an encoded ``%`` is refused by the web server
itself (Jetty's URI compliance: "400 Suspicious Path Character", "Ambiguous URI path encoding";
an HTML page or an empty answer) before any plugin sees the request; on Openfire that is
Openfire's web server, not SparkWeb. Failures of exactly such answers are left out; every
answer SparkWeb gave is checked.
"""
import os
import re
from urllib.parse import unquote

import httpx
import schemathesis
from schemathesis.core.failures import ServerError

import sparkweb_fixtures

_STATE = {"token": None, "password": None}


def _password():
    return _STATE["password"] or os.environ["SPARKWEB_ST_PASSWORD"]


def _sign_in():
    user = os.environ["SPARKWEB_ST_USER"]
    response = httpx.post("%s/login/%s" % (os.environ["SPARKWEB_ST_REST"], user),
                          content=_password(), timeout=30)
    if response.status_code != 200:
        raise RuntimeError("the run's user %s cannot sign in any more (%s %s): did the run "
                           "delete the account?" % (user, response.status_code, response.text))
    return response.json()["token"]


def _token():
    if _STATE["token"] is None:
        _STATE["token"] = _sign_in()
    return _STATE["token"]


_RUN = sparkweb_fixtures.Run(_token, _password)


def _needs_token(case):
    return bool(case.operation.definition.raw.get("security"))


# No caching and no re-authentication on 401 by schemathesis: a 401 is an answer to check, and
# the token is renewed here only when the run itself revoked it.
@schemathesis.auth(refresh_interval=None, retry_on=[])
class SparkWebToken(object):
    def get(self, case, context):
        return _token() if _needs_token(case) else None

    def set(self, case, data, context):
        if data is not None:
            case.headers = dict(case.headers or {}, Authorization="Bearer " + data)


def _refused_by_the_web_server(case, response):
    values = [unquote(str(value)) for value in (case.path_parameters or {}).values()]
    suspicious = any(ord(char) < 0x20 or ord(char) == 0x7f or char in "\\%"
                     for value in values for char in value)
    from_sparkweb = response.headers.get("content-type", [""])[0].startswith("application/json")
    return suspicious and response.status_code == 400 and not from_sparkweb


def _missing_optional_plugin(case, failure, response):
    documented = str(response.status_code) in case.operation.definition.raw.get("responses", {})
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    return (isinstance(failure, ServerError) and response.status_code == 501 and documented
            and error == "not_implemented")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    return not (_refused_by_the_web_server(case, response)
                or _missing_optional_plugin(case, failure, response))


def _new_password(case):
    body = case.body if isinstance(case.body, dict) else {}
    password = body.get("password")
    return password if isinstance(password, str) and password else None


def _label(operation):
    return "%s %s" % (operation.method.upper(), operation.path)


@schemathesis.hook
def before_add_examples(context, examples):
    """The test server's valid requests for the operations generated data cannot bring to a
    success (sparkweb_fixtures)."""
    operation = context.operation
    make = sparkweb_fixtures.MAKERS.get(_label(operation)) if operation is not None else None
    if make is not None:
        examples.extend(make(_RUN, operation))


def _record(case, status):
    """One line per answer of an operation, ``METHOD PATH STATUS``, into the file the test reads
    back: which operations the run brought to a success, and which it never did. (Requests
    with another method, schemathesis' check that unsupported methods are refused, are not
    answers of the operation.)"""
    record = os.environ.get("SPARKWEB_ST_RECORD")
    if record and case.method.upper() == case.operation.method.upper():
        with open(record, "a") as answers:
            answers.write("%s %d\n" % (_label(case.operation), status))


@schemathesis.hook
def after_call(context, case, response):
    path, method, status = case.operation.path, case.method.upper(), response.status_code
    _record(case, status)
    if status == 401 and _needs_token(case):
        _STATE["token"] = None      # revoked by an earlier operation of the run
    elif path == "/logout" and status == 200:
        _STATE["token"] = None
    elif path == "/user" and method == "PUT" and status == 200 and _new_password(case):
        _STATE["password"] = _new_password(case)
        _STATE["token"] = response.json().get("token")


def _resolved(schema, document):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema if isinstance(schema, dict) else {}


def _undeclared(value, schema, document, where):
    """Paths of object fields in ``value`` that ``schema`` does not declare (where it lists
    properties and says nothing of additional ones)."""
    schema = _resolved(schema, document)
    found = []
    if isinstance(value, dict) and "properties" in schema and \
            "additionalProperties" not in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                found.append("%s.%s" % (where, key))
            else:
                found += _undeclared(item, schema["properties"][key], document,
                                     "%s.%s" % (where, key))
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += _undeclared(item, schema["items"], document, "%s[%d]" % (where, index))
    return found


@schemathesis.check
def answer_fields_declared(ctx, response, case):
    """A success answer carries only fields its schema declares (findings-10 S5-10-1): a field
    added to a handler must be added to the contract, with ``required`` where it is always
    there, or this fails. (Schemathesis' schema check cannot notice: the schemas leave
    additional properties open, as the spec's models do.)"""
    if not 200 <= response.status_code < 300:
        return None
    answer = case.operation.definition.raw.get("responses", {}).get(str(response.status_code))
    schema = ((answer or {}).get("content") or {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    undeclared = _undeclared(body, schema, case.operation.schema.raw_schema, "answer")
    if undeclared:
        raise AssertionError("Fields the schema does not declare: %s" % ", ".join(
            sorted(set(re.sub(r"\[\d+\]", "[]", path) for path in undeclared))))
    return None
