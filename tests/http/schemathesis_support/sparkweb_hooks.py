"""Schemathesis hooks for SparkWeb (loaded through SCHEMATHESIS_HOOKS by test_schemathesis.py):
every operation that needs a token gets the test user's, signed in once; a successful
``POST /logout`` revokes that token, so the next operation signs in afresh.

A path with a control character, ``\\`` or an encoded ``%`` is refused by the web server
itself (Jetty's URI compliance: "400 Suspicious Path Character", "Ambiguous URI path encoding";
an HTML page or an empty answer) before any plugin sees the request; on Openfire that is
Openfire's web server, not SparkWeb. Failures of exactly such answers are left out; every
answer SparkWeb gave is checked.
"""
import os
from urllib.parse import unquote

import httpx
import schemathesis

_STATE = {"token": None}


def _sign_in():
    response = httpx.post("%s/login/%s" % (os.environ["SPARKWEB_ST_REST"],
                                            os.environ["SPARKWEB_ST_USER"]),
                          content=os.environ["SPARKWEB_ST_PASSWORD"], timeout=30)
    response.raise_for_status()
    return response.json()["token"]


def _needs_token(case):
    return bool(case.operation.definition.raw.get("security"))


# No caching and no re-authentication on 401 by schemathesis: a 401 is an answer to check, and
# the token is renewed here only when the run itself revoked it.
@schemathesis.auth(refresh_interval=None, retry_on=[])
class SparkWebToken(object):
    def get(self, case, context):
        if not _needs_token(case):
            return None
        if _STATE["token"] is None:
            _STATE["token"] = _sign_in()
        return _STATE["token"]

    def set(self, case, data, context):
        if data is not None:
            case.headers = dict(case.headers or {}, Authorization="Bearer " + data)


def _refused_by_the_web_server(case, response):
    values = [unquote(str(value)) for value in (case.path_parameters or {}).values()]
    suspicious = any(ord(char) < 0x20 or ord(char) == 0x7f or char in "\\%"
                     for value in values for char in value)
    from_sparkweb = response.headers.get("content-type", [""])[0].startswith("application/json")
    return suspicious and response.status_code == 400 and not from_sparkweb


@schemathesis.hook
def filter_failure(context, failure, case, response):
    return not _refused_by_the_web_server(case, response)


@schemathesis.hook
def after_call(context, case, response):
    if case.operation.path == "/logout" and response.status_code == 200:
        _STATE["token"] = None
