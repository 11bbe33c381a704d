"""Response headers that tell browsers how to treat what SparkWeb serves, set before anything
else answers: API JSON is never stored by a cache (it carries tokens and private data); the
pages of ``web/`` run only their own scripts and style sheets and may be framed only by pages
of the same origin (clickjacking); nothing is content-sniffed.

The pages' policy allows no inline script or style, so a page in ``web/`` keeps its script and
style in files of its own (``web/js/``, ``web/css/``).
"""
from __future__ import absolute_import

from javax.servlet import Filter

PAGE_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'self'"])


class SecurityHeadersFilter(Filter):
    def __init__(self, rest_path, sse_path):
        self._rest_path = rest_path
        self._sse_path = sse_path

    def init(self, filter_config):
        pass

    def destroy(self):
        pass

    def doFilter(self, request, response, chain):
        response.setHeader("X-Content-Type-Options", "nosniff")
        path = request.getServletPath()
        if path.startswith(self._rest_path):
            response.setHeader("Cache-Control", "no-store")
        elif path != self._sse_path:
            response.setHeader("Content-Security-Policy", PAGE_POLICY)
            response.setHeader("X-Frame-Options", "SAMEORIGIN")
            response.setHeader("Referrer-Policy", "same-origin")
        chain.doFilter(request, response)
