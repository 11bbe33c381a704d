"""Assembles the web application: a servlet context at ``/sparkweb`` holding Jersey (serving the
route tables under ``/api/rest``), the event stream at ``/sse``, the static files of ``web/``,
and the CORS filter in front of all of them.

Jersey's resources are built programmatically from the route tables, so each route is still
matched by Jersey (path templates, 404 and 405 with ``Allow``) while the code is all Python.
"""
from __future__ import absolute_import

from collections import OrderedDict

from java.util import EnumSet
from java.util.function import Function
from javax.servlet import DispatcherType
from javax.ws.rs.container import ContainerResponseFilter
from javax.ws.rs.core import MediaType
from org.glassfish.jersey.server import ResourceConfig, ServerProperties
from org.glassfish.jersey.server.model import Resource
from org.glassfish.jersey.servlet import ServletContainer
from org.igniterealtime.openfire.plugin.sparkweb import PythonInflector

from sparkweb.errors import CODES_BY_STATUS
from sparkweb.events.sse import SseServlet
from sparkweb.http import jetty
from sparkweb.http.cors import CorsFilter
from sparkweb.http.response import to_json
from sparkweb.http.routing import HANDLED_PROPERTY, pipeline

CONTEXT_PATH = "/sparkweb"
REST_PATH = "/api/rest"
SSE_PATH = "/sse"


class JsonErrorFilter(ContainerResponseFilter):
    """Gives the answers Jersey makes by itself (no such route, wrong method) our JSON shape."""

    def filter(self, request, response):
        status = response.getStatus()
        if status < 400 or request.getProperty(HANDLED_PROPERTY):
            return
        reason = response.getStatusInfo().getReasonPhrase() or "Error"
        body = {"error": CODES_BY_STATUS.get(status, "error"), "message": reason + "."}
        response.setEntity(to_json(body), None, MediaType.APPLICATION_JSON_TYPE)


class _Handler(Function):
    """A route's pipeline as the java.util.function.Function that PythonInflector calls
    (Jython does not coerce plain functions to interfaces with default methods)."""

    def __init__(self, handle):
        self.apply = handle


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
    config.register(JsonErrorFilter())
    config.property(ServerProperties.WADL_FEATURE_DISABLE, True)
    return config


def build_context(routes, app, class_loader, static_dir=None):
    """The ``/sparkweb`` servlet context, ready to hand to the web server."""
    context = jetty.ServletContextHandler(jetty.ServletContextHandler.NO_SESSIONS)
    context.setContextPath(CONTEXT_PATH)
    context.setClassLoader(class_loader)
    rest = jetty.ServletHolder("sparkweb-rest", ServletContainer(build_jersey(routes, app)))
    context.addServlet(rest, REST_PATH + "/*")
    sse = jetty.ServletHolder("sparkweb-sse", SseServlet(app))
    sse.setAsyncSupported(True)
    context.addServlet(sse, SSE_PATH)
    cors = jetty.FilterHolder(CorsFilter(app.settings))
    cors.setAsyncSupported(True)
    context.addFilter(cors, "/*", EnumSet.of(DispatcherType.REQUEST))
    if static_dir is not None:
        files = jetty.ServletHolder("sparkweb-web", jetty.DefaultServlet())
        files.setInitParameter("resourceBase", static_dir)
        files.setInitParameter("dirAllowed", "false")
        context.addServlet(files, "/")
    return context
