"""The filter in front of everything under /sparkweb: records the client's address for the
handlers, and applies cross-origin access, one policy for REST and SSE: pages from the
configured origins may call with credentials; every other origin gets no CORS headers at all
(so the browser keeps the same-origin rule). Statuses are never rewritten."""
from __future__ import absolute_import

from javax.servlet import Filter

from sparkweb import config
from sparkweb.http.client_address import ATTRIBUTE, client_address

ALLOWED_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Last-Event-ID"
PREFLIGHT_MAX_AGE = "600"


class CorsFilter(Filter):
    def __init__(self, settings):
        self._settings = settings

    def init(self, filter_config):
        pass

    def destroy(self):
        pass

    def doFilter(self, request, response, chain):
        request.setAttribute(ATTRIBUTE, client_address(request, self._settings))
        origin = request.getHeader("Origin")
        allowed = origin is not None and origin in self._settings.get(config.CORS_ORIGINS)
        response.addHeader("Vary", "Origin")
        if allowed:
            response.setHeader("Access-Control-Allow-Origin", origin)
            response.setHeader("Access-Control-Allow-Credentials", "true")
        preflight = request.getMethod() == "OPTIONS" and \
            request.getHeader("Access-Control-Request-Method") is not None
        if not preflight:
            chain.doFilter(request, response)
            return
        if allowed:
            response.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS)
            response.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
            response.setHeader("Access-Control-Max-Age", PREFLIGHT_MAX_AGE)
        response.setStatus(204)
