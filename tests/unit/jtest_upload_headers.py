"""Safe headers on Openfire's HTTP File Upload plugin's context (attack finding S5-A2), on a
real Jetty 12 laid out as Openfire's HTTP-bind server is (a Handler.Sequence of contexts): a
stand-in for the plugin's context at /httpfileupload serves an HTML file with a script, an
image and a body without type; SparkWeb adds its filter there whether that context came before
or after it, follows a reload, and takes the filter out again when it stops."""
from __future__ import absolute_import

import threading

from java.lang import Thread
from java.net import URI
from java.net.http import HttpClient, HttpRequest, HttpResponse
from java.time import Duration
from javax.servlet.http import HttpServlet
from org.eclipse.jetty.server.Handler import Sequence

from sparkweb.devhost import JettyWebServer
from sparkweb.http import jetty
from sparkweb.http.upload_headers import FILTER_NAME, UploadHeadersGuard, shown_inline
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.plugin import SparkWeb

from support import loopback_jetty

LOADER = Thread.currentThread().getContextClassLoader()
EVIL = u"<html><script>fetch('/steal?' + localStorage.getItem('token'))</script></html>"


class FakeUploads(HttpServlet):
    """Answers as the plugin's servlet does: the type it probed from the bytes, or none."""

    def doGet(self, request, response):
        name = request.getRequestURI().rsplit("/", 1)[-1]
        kind = {"page.html": "text/html", "cat.png": "image/png"}.get(name)
        if kind is not None:
            response.setContentType(kind)
        response.getOutputStream().write(bytearray(EVIL.encode("utf-8")))


def upload_context():
    context = jetty.ServletContextHandler(None, "/httpfileupload",
                                          jetty.ServletContextHandler.NO_SESSIONS)
    context.addServlet(jetty.ServletHolder(FakeUploads()), "/*")
    return context


def serve():
    server, connector = loopback_jetty()
    handlers = Sequence()          # Openfire's HttpBindManager: a Sequence of extension handlers
    server.setHandler(handlers)
    server.start()
    return server, JettyWebServer(handlers), "http://127.0.0.1:%d" % connector.getLocalPort()


def get(base, path):
    request = HttpRequest.newBuilder(URI(base + path)).timeout(Duration.ofSeconds(20)).build()
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())


def header(response, name):
    return response.headers().firstValue(name).orElse(None)


def assert_guarded(base):
    page = get(base, "/httpfileupload/u1/page.html")
    assert page.statusCode() == 200, page.statusCode()
    assert header(page, "Content-Security-Policy").startswith("sandbox;"), page.headers()
    assert "default-src 'none'" in header(page, "Content-Security-Policy"), page.headers()
    assert header(page, "X-Content-Type-Options") == "nosniff", page.headers()
    assert header(page, "Content-Disposition") == "attachment", "HTML opened inline: %s" % (
        page.headers(),)
    image = get(base, "/httpfileupload/u2/cat.png")
    assert header(image, "Content-Security-Policy").startswith("sandbox;"), image.headers()
    assert header(image, "Content-Disposition") is None, "an image must still show inline"
    untyped = get(base, "/httpfileupload/u3/data")
    assert header(untyped, "Content-Disposition") == "attachment", untyped.headers()
    assert header(untyped, "Content-Type") == "application/octet-stream", untyped.headers()


def assert_unguarded(base, what):
    page = get(base, "/httpfileupload/u1/page.html")
    assert page.statusCode() == 200 and header(page, "Content-Security-Policy") is None, \
        "%s: %s" % (what, page.headers())


def our_filters(context):
    return [holder for holder in context.getServletHandler().getFilters() or []
            if holder.getName() == FILTER_NAME]


def test_an_upload_context_there_before_sparkweb_gets_the_headers_until_it_stops():
    server, web, base = serve()
    uploads = upload_context()
    web.add(uploads)
    try:
        assert_unguarded(base, "the stand-in answers without headers by itself")
        openfire = MemoryOpenfire(u"example.test", web, [base])
        plugin = SparkWeb(openfire, LOADER).start()
        assert_guarded(base)
        plugin.stop()
        assert_unguarded(base, "after SparkWeb stopped")
        assert our_filters(uploads) == [], "the filter stayed in the plugin's context"
        assert openfire._plugin_watchers.isEmpty(), "the plugin listener stayed registered"
    finally:
        server.stop()


def test_a_plugin_loaded_later_unloaded_and_reloaded_is_followed():
    server, web, base = serve()
    openfire = MemoryOpenfire(u"example.test", web, [base])
    plugin = SparkWeb(openfire, LOADER).start()
    try:
        first = upload_context()
        web.add(first)
        openfire.plugin_changed(u"httpfileupload")
        assert_guarded(base)
        web.remove(first)
        openfire.plugin_changed(u"httpfileupload")
        second = upload_context()     # a reload: a new context instance
        web.add(second)
        openfire.plugin_changed(u"httpfileupload")
        assert_guarded(base)
        assert len(our_filters(second)) == 1, our_filters(second)
        plugin.stop()
        assert our_filters(second) == [], "the filter stayed in the reloaded context"
    finally:
        plugin.stop()
        server.stop()


def test_checks_from_many_threads_put_in_one_filter():
    server, web, base = serve()
    uploads = upload_context()
    web.add(uploads)
    guard = UploadHeadersGuard(server.getServer)
    start = threading.Event()

    def check_many():
        start.wait(10)
        for _ in range(50):
            guard.check()
    threads = [threading.Thread(target=check_many) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join(30)
        assert not [thread for thread in threads if thread.is_alive()], "checks hung"
        assert len(our_filters(uploads)) == 1, our_filters(uploads)
        assert_guarded(base)
        guard.stop()
        guard.check()      # a timer check after stop() puts nothing back
        assert our_filters(uploads) == [] and not guard.guarding(), our_filters(uploads)
    finally:
        server.stop()


def test_only_types_that_run_nothing_are_shown_inline():
    for kind in ("image/png", "IMAGE/JPEG", "video/mp4", "audio/ogg", "text/plain; charset=utf-8"):
        assert shown_inline(kind), kind
    for kind in ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml",
                 "application/xml", "application/pdf", "application/octet-stream", "", None):
        assert not shown_inline(kind), kind
