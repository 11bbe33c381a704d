"""The API describing itself: ``GET /sparkweb/api/openapi.json`` (the document http.openapi made
at start) and Swagger UI at ``/sparkweb/api/docs``.

Swagger UI comes from the ``org.webjars:swagger-ui`` jar that the build puts on the plugin's
class path (pinned in build.gradle; nothing from a CDN). Only the few files the page needs are
served from it. The page itself is ``web/api-docs.html`` with its script in
``web/js/api-docs.js`` (the pages' Content-Security-Policy allows no inline script). Both
servlets write without blocking (``http.unhurried``): these public answers are large, and a
client that does not read them must not hold a server thread.
"""
from __future__ import absolute_import

from java.lang import String as JavaString
from java.nio.charset import StandardCharsets
from java.util import Properties
from java.util.concurrent import ConcurrentHashMap
from javax.servlet.http import HttpServlet

from sparkweb.errors import NotFound
from sparkweb.http.response import JSON_TYPE, answer_options, refuse_method, send_error
from sparkweb.http.unhurried import send_bytes

WEBJAR = "META-INF/resources/webjars/swagger-ui/"
WEBJAR_POM = "META-INF/maven/org.webjars/swagger-ui/pom.properties"
PAGE = "/api-docs.html"
# The Swagger UI files the page loads, and their types.
ASSETS = {"swagger-ui-bundle.js": "text/javascript; charset=UTF-8",
          "swagger-ui.css": "text/css; charset=UTF-8",
          "favicon-32x32.png": "image/png"}


# Both servlets answer GET and HEAD only (the handlers are assigned in each class body: see
# refuse_method).
READ_ONLY = "GET, HEAD, OPTIONS"


def _head_as_get(servlet, request, response):
    servlet.doGet(request, response)      # send_bytes answers HEAD with the headers only


class OpenApiServlet(HttpServlet):
    """Answers the OpenAPI document, serialised once."""

    doHead = _head_as_get
    doTrace = refuse_method(READ_ONLY)
    doOptions = answer_options(READ_ONLY)

    def __init__(self, document_json):
        HttpServlet.__init__(self)
        self._bytes = JavaString(document_json).getBytes(StandardCharsets.UTF_8)

    def doGet(self, request, response):
        response.setContentType(JSON_TYPE)
        send_bytes(request, response, self._bytes)


class DocsServlet(HttpServlet):
    """``/api/docs``: the page (served by the static files' servlet); ``/api/docs/<file>``:
    one of :data:`ASSETS` from the Swagger UI jar, read once and kept."""

    doHead = _head_as_get
    doTrace = refuse_method(READ_ONLY)
    doOptions = answer_options(READ_ONLY)

    def __init__(self, class_loader):
        HttpServlet.__init__(self)
        self._class_loader = class_loader
        self._cache = ConcurrentHashMap()

    def doGet(self, request, response):
        name = (request.getPathInfo() or "/").lstrip("/")
        if name == "":
            return request.getRequestDispatcher(PAGE).forward(request, response)
        data = self._asset(name) if name in ASSETS else None
        if data is None:
            return send_error(response, NotFound("Not found."))
        response.setContentType(ASSETS[name])
        response.setHeader("Cache-Control", "public, max-age=86400")
        send_bytes(request, response, data)

    def _asset(self, name):
        data = self._cache.get(name)
        if data is None:
            version = swagger_ui_version(self._class_loader)
            data = version and _read(self._class_loader, WEBJAR + version + "/" + name)
            if data is not None:
                self._cache.put(name, data)
        return data


def swagger_ui_version(class_loader):
    """The version of the Swagger UI jar on the class path (its files live under it); None
    when the build left it out."""
    stream = class_loader.getResourceAsStream(WEBJAR_POM)
    if stream is None:
        return None
    try:
        properties = Properties()
        properties.load(stream)
        return properties.getProperty("version")
    finally:
        stream.close()


def _read(class_loader, path):
    stream = class_loader.getResourceAsStream(path)
    if stream is None:
        return None
    try:
        return stream.readAllBytes()
    finally:
        stream.close()
