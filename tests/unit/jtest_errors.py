"""One JSON error shape, built in one place and written the same way on every path (REST
pipeline, Jersey's own answers, the container's error pages, the event stream)."""
from __future__ import absolute_import

import json
import os
import re

from java.io import ByteArrayOutputStream, PrintWriter, StringWriter
from java.lang import IllegalStateException, String

from sparkweb import errors
from sparkweb.errors import BadRequest, Unauthorized, for_status
from sparkweb.http.response import error_response, send_error

SOURCES = os.path.join(os.path.dirname(os.path.abspath(errors.__file__)))
SHAPE_KEY = re.compile(r"""["']error["']\s*:""")


class ServletResponse(object):
    """The parts of HttpServletResponse that send_error uses; ``writer_taken`` makes
    getOutputStream() fail as it does once the writer was used."""

    def __init__(self, writer_taken=False):
        self.status, self.type, self.headers = None, None, {}
        self._text, self._bytes = StringWriter(), ByteArrayOutputStream()
        self._writer_taken = writer_taken

    def setStatus(self, status):
        self.status = status

    def setContentType(self, value):
        self.type = value

    def setHeader(self, name, value):
        self.headers[name] = value

    def getWriter(self):
        return PrintWriter(self._text, True)

    def getOutputStream(self):
        if self._writer_taken:
            raise IllegalStateException("getWriter() was called")
        return self._bytes

    def written(self):
        return unicode(self._text.toString()) + unicode(String(self._bytes.toByteArray(), "UTF-8"))


def test_only_errors_py_builds_the_error_shape():
    builders = []
    for folder, _, names in os.walk(SOURCES):
        for name in names:
            path = os.path.join(folder, name)
            if name.endswith(".py") and path != os.path.join(SOURCES, "errors.py"):
                with open(path) as source:
                    if SHAPE_KEY.search(source.read()):
                        builders.append(os.path.relpath(path, SOURCES))
    assert not builders, "the error shape is built outside errors.py in %s" % builders


def test_statuses_chosen_elsewhere_get_the_shape_with_a_generic_message():
    assert for_status(404).body() == {"error": "not_found", "message": "Not found."}, "404"
    assert for_status(503).body()["error"] == "service_unavailable", for_status(503).body()
    assert for_status(502).body() == {"error": "error", "message": "Internal error."}, "502"
    assert for_status(405, "Method Not Allowed.").body()["message"] == "Method Not Allowed.", \
        "the given message"


def test_servlet_and_jax_rs_writers_write_the_same_json():
    error = Unauthorized()
    for servlet in (ServletResponse(), ServletResponse(writer_taken=True)):
        send_error(servlet, error)
        assert servlet.status == 401 and servlet.type.startswith("application/json"), \
            (servlet.status, servlet.type)
        assert json.loads(servlet.written()) == error.body(), servlet.written()
        assert servlet.headers.get("WWW-Authenticate", "").startswith("Bearer"), servlet.headers
    closing = ServletResponse()
    send_error(closing, for_status(413), close=True)
    assert closing.headers.get("Connection") == "close", closing.headers
    jax_rs = error_response(BadRequest(u"caf\u00e9 \"quoted\""))
    assert jax_rs.getStatus() == 400, jax_rs.getStatus()
    assert json.loads(jax_rs.getEntity()) == {"error": "bad_request",
                                              "message": u"caf\u00e9 \"quoted\""}, jax_rs.getEntity()
