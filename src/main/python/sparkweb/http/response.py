"""Building JAX-RS responses: JSON always, with optional extra headers."""
from __future__ import absolute_import

from javax.ws.rs.core import Response

from sparkweb.jsontext import to_json

JSON_TYPE = "application/json; charset=UTF-8"


def json_response(status, value, headers=None):
    builder = Response.status(status).entity(to_json(value)).type(JSON_TYPE)
    for name, header in (headers or {}).items():
        builder = builder.header(name, header)
    return builder.build()


class Reply(object):
    """What a handler returns when 200 with a JSON body is not what it means."""

    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = {} if body is None else body
        self.headers = headers or {}
