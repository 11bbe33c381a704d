"""What travels between cluster nodes when a request is forwarded (issue 17, item 2), and
nothing more: a call names the user and the operation, its answer carries status, headers and
body. The token never travels: it was verified on the node where the request arrived, which
sends only the username it names.

Each message is two byte strings (``ClusterMessage``'s parts): a JSON envelope and a body.

- call: ``{"kind": "call", "id", "origin", "user", "method", "path", "params", "query",
  "headers", "client"}``: ``path`` is the route's template (``/chat/message/{to}``), ``params``
  its path parameters, ``query`` name -> list of values, ``headers`` only those in
  :data:`FORWARDED_HEADERS`, ``client`` the client's address (the login-style limits of a
  password check count it); body: the request body's text, or none.
- answer: ``{"kind": "answer", "id", "node", "status", "headers"}``; body: the JSON text.

:func:`decode` refuses anything else (:class:`MessageError`): a receiver acts only on well-formed
messages of these two kinds.
"""
from __future__ import absolute_import

from java.lang import String
from java.nio.charset import StandardCharsets

from sparkweb.json_input import JsonInputError, parse
from sparkweb.jsontext import to_json

CALL = u"call"
ANSWER = u"answer"
# The request headers handlers read: the body's type (Request.is_json) and the host the
# request was made to (the upload slot's origin check). Authorization is never among them.
FORWARDED_HEADERS = (u"Content-Type", u"Host")


class MessageError(ValueError):
    """A message that is not a well-formed call or answer."""


class Call(object):
    def __init__(self, call_id, origin, username, method, path, params=None, query=None,
                 headers=None, client=None, body=None):
        self.id = call_id
        self.origin = origin
        self.username = username
        self.method = method
        self.path = path
        self.params = dict(params or {})
        self.query = dict((name, list(values)) for name, values in (query or {}).items())
        self.headers = dict((name, value) for name, value in (headers or {}).items()
                            if name in FORWARDED_HEADERS and value is not None)
        self.client = client
        self.body = body


class Answer(object):
    """A route's answer: status, JSON text, extra headers, and the node that made it."""

    def __init__(self, status, body, headers=None, node=None, call_id=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.node = node
        self.id = call_id


def encode_call(call):
    envelope = {"kind": CALL, "id": call.id, "origin": call.origin, "user": call.username,
                "method": call.method, "path": call.path, "params": call.params,
                "query": call.query, "headers": call.headers, "client": call.client}
    return _bytes(to_json(envelope)), (None if call.body is None else _bytes(call.body))


def encode_answer(answer):
    envelope = {"kind": ANSWER, "id": answer.id, "node": answer.node, "status": answer.status,
                "headers": answer.headers}
    return _bytes(to_json(envelope)), _bytes(answer.body)


def decode(envelope, body):
    """The Call or Answer in a message; MessageError when it is neither."""
    try:
        fields = parse(_text(envelope))
    except (JsonInputError, ValueError, TypeError):
        raise MessageError("not a JSON envelope")
    if not isinstance(fields, dict):
        raise MessageError("not a JSON object")
    kind = fields.get("kind")
    if kind == CALL:
        return _call(fields, body)
    if kind == ANSWER:
        return _answer(fields, body)
    raise MessageError("unknown kind")


def _call(fields, body):
    params = _strings(fields.get("params"), "params")
    query = fields.get("query")
    if not isinstance(query, dict) or not all(
            isinstance(values, list) and all(isinstance(v, unicode) for v in values)
            for values in query.values()):
        raise MessageError("query")
    headers = _strings(fields.get("headers"), "headers")
    if any(name not in FORWARDED_HEADERS for name in headers):
        raise MessageError("a header that is never forwarded")
    for name in ("id", "origin", "user", "method", "path"):
        _string(fields.get(name), name)
    client = fields.get("client")
    if client is not None:
        _string(client, "client")
    return Call(fields["id"], fields["origin"], fields["user"], fields["method"],
                fields["path"], params, query, headers, client,
                None if body is None else _text(body))


def _answer(fields, body):
    status = fields.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MessageError("status")
    for name in ("id", "node"):
        _string(fields.get(name), name)
    return Answer(status, u"" if body is None else _text(body),
                  _strings(fields.get("headers"), "headers"), fields["node"], fields["id"])


def _string(value, name):
    if not isinstance(value, unicode) or not value:
        raise MessageError(name)
    return value


def _strings(value, name):
    if not isinstance(value, dict) or not all(isinstance(v, unicode) for v in value.values()):
        raise MessageError(name)
    return value


def _bytes(text):
    return String(text).getBytes(StandardCharsets.UTF_8)


def _text(data):
    return unicode(String(data, StandardCharsets.UTF_8))
