"""Assembles the web application: a servlet context at ``/sparkweb`` holding Jersey (serving the
route tables under ``/api/rest``), the event stream at ``/sse``, the static files of ``web/``;
in front of all of them the security headers and the CORS filter, and in front of Jersey the
filter that reads request bodies without blocking a thread.

Jersey's resources are built programmatically from the route tables, so each route is still
matched by Jersey (path templates, 404 and 405 with ``Allow``) while the code is all Python.
"""
from __future__ import absolute_import

from collections import OrderedDict

from java.lang import System, Thread
from java.util import EnumSet
from java.util.concurrent.atomic import AtomicBoolean, AtomicInteger
from java.util.function import Function
from javax.servlet import DispatcherType, Filter
from javax.ws.rs.container import ContainerResponseFilter
from javax.ws.rs.core import MediaType
from org.glassfish.jersey.server import ResourceConfig, ServerProperties
from org.glassfish.jersey.server.model import Resource
from org.glassfish.jersey.servlet import ServletContainer
from org.igniterealtime.openfire.plugin.sparkweb import PythonInflector

from sparkweb.errors import for_status
from sparkweb.events.sse import SseServlet
from sparkweb.http import jetty
from sparkweb.http.body_reader import BodyReadFilter
from sparkweb.http.cors import CorsFilter
from sparkweb.http.docs import DocsServlet, OpenApiServlet
from sparkweb.http.error_pages import JsonErrorHandler, core_error_handler
from sparkweb.http.headers import SecurityHeadersFilter
from sparkweb.http.routing import HANDLED_PROPERTY, pipeline

CONTEXT_PATH = "/sparkweb"
REST_PATH = "/api/rest"
SSE_PATH = "/sse"
OPENAPI_PATH = "/api/openapi.json"
DOCS_PATH = "/api/docs"
REST_SERVLET = "sparkweb-rest"


class JerseyAnswerFilter(ContainerResponseFilter):
    """Gives the answers Jersey makes by itself our shape: errors (no such route, wrong method)
    as JSON, and ``OPTIONS`` on a route (Jersey's is a text/plain list of the methods) as 204
    with only the ``Allow`` header. They name no node: nobody was authenticated (S6-A5)."""

    def filter(self, request, response):
        if request.getProperty(HANDLED_PROPERTY):
            return
        status = response.getStatus()
        if request.getMethod() == "OPTIONS" and status == 200:
            response.setStatus(204)
            response.setEntity(None)
            response.getHeaders().remove("Content-Type")
            return
        if status < 400:
            return
        reason = response.getStatusInfo().getReasonPhrase() or "Error"
        response.setEntity(for_status(status, reason + ".").json(), None,
                           MediaType.APPLICATION_JSON_TYPE)


class _Handler(Function):
    """A route's pipeline as the java.util.function.Function that PythonInflector calls
    (Jython does not coerce plain functions to interfaces with default methods)."""

    def __init__(self, handle):
        self.apply = handle


class RequestGate(Filter):
    """Counts the requests inside the context so that unloading can wait for them: once closed,
    it answers new requests 503 and :meth:`close` returns when the running ones are done.

    Jersey shut down under a running request leaves that request's scope in the Jetty thread's
    ThreadLocal (its clean-up throws on the closed injection manager), and that scope kept the
    unloaded plugin's classloader alive for as long as the thread lived.
    """

    def __init__(self):
        self._inside = AtomicInteger()
        self._closed = AtomicBoolean()

    def init(self, config):
        pass

    def destroy(self):
        pass

    def doFilter(self, request, response, chain):
        self._inside.incrementAndGet()
        try:
            if self._closed.get():
                response.sendError(503)
                return
            chain.doFilter(request, response)
        finally:
            self._inside.decrementAndGet()

    def busy(self):
        """Whether requests are being served right now."""
        return self._inside.get() > 0

    def close(self, timeout_millis=10000):
        """Turns new requests away and waits (bounded) for the running ones; True when none is left."""
        self._closed.set(True)
        deadline = System.currentTimeMillis() + timeout_millis
        while self._inside.get() > 0 and System.currentTimeMillis() < deadline:
            Thread.sleep(5)
        return self._inside.get() == 0


def build_jersey(routes, app):
    """A Jersey application with one resource per distinct path of ``routes``."""
    by_path = OrderedDict()
    for route in routes:
        by_path.setdefault(route.path, []).append(route)
    config = ResourceConfig()
    for path, same_path in by_path.items():
        resource = Resource.builder(path)
        for route in same_path:
            resource.addMethod(route.method).handledBy(PythonInflector(_Handler(pipeline(route, app))))
        config.registerResources(resource.build())
    config.register(JerseyAnswerFilter())
    config.property(ServerProperties.WADL_FEATURE_DISABLE, True)
    return config


def _add_filter(context, servlet_filter, path, *dispatches):
    holder = jetty.FilterHolder(servlet_filter)
    holder.setAsyncSupported(True)
    context.addFilter(holder, path, EnumSet.of(*dispatches))


def build_context(routes, app, class_loader, static_dir=None, gate=None, description=None):
    """The ``/sparkweb`` servlet context, ready to hand to the web server; ``gate`` (a
    :class:`RequestGate`), when given, sees every request first, and again when a request
    whose body was read comes back to Jersey (an ASYNC dispatch). ``description``, the
    OpenAPI document as JSON text, is served with the docs page (http.docs)."""
    context = jetty.ServletContextHandler(jetty.ServletContextHandler.NO_SESSIONS)
    context.setContextPath(CONTEXT_PATH)
    context.setClassLoader(class_loader)
    context.setErrorHandler(JsonErrorHandler())
    context.getCoreContextHandler().setErrorHandler(core_error_handler())
    if gate is not None:
        _add_filter(context, gate, "/*", DispatcherType.REQUEST, DispatcherType.ASYNC)
    _add_filter(context, SecurityHeadersFilter(REST_PATH, SSE_PATH), "/*", DispatcherType.REQUEST)
    _add_filter(context, CorsFilter(app.settings), "/*", DispatcherType.REQUEST)
    _add_filter(context, BodyReadFilter(app.settings), REST_PATH + "/*", DispatcherType.REQUEST,
                DispatcherType.ASYNC)
    rest = jetty.ServletHolder(REST_SERVLET, ServletContainer(build_jersey(routes, app)))
    rest.setAsyncSupported(True)    # the body filter reads bodies asynchronously
    context.addServlet(rest, REST_PATH + "/*")
    sse = jetty.ServletHolder("sparkweb-sse", SseServlet(app))
    sse.setAsyncSupported(True)
    context.addServlet(sse, SSE_PATH)
    if description is not None:
        document = jetty.ServletHolder("sparkweb-openapi", OpenApiServlet(description))
        document.setAsyncSupported(True)    # large answers are written without blocking
        context.addServlet(document, OPENAPI_PATH)
        pages = jetty.ServletHolder("sparkweb-docs", DocsServlet(class_loader))
        pages.setAsyncSupported(True)
        context.addServlet(pages, DOCS_PATH)
        context.addServlet(pages, DOCS_PATH + "/*")
    if static_dir is not None:
        files = jetty.ServletHolder("sparkweb-web", jetty.DefaultServlet())
        files.setInitParameter("resourceBase", static_dir)
        files.setInitParameter("dirAllowed", "false")
        context.addServlet(files, "/")
        # web/WEB-INF/web.xml is for Openfire's admin console, not for the public web server.
        context.setProtectedTargets(["/WEB-INF", "/META-INF"])
    return context
