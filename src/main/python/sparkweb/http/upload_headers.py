"""Safe response headers on Openfire's HTTP File Upload plugin, for as long as SparkWeb runs
(attack finding S5-A2).

That plugin serves uploaded files at ``/httpfileupload`` on Openfire's HTTP-bind web server,
the one SparkWeb lives on, under every host name: any XMPP user can upload an HTML file there,
and opened from SparkWeb's host it would run on SparkWeb's origin and read the signed-in user's
token. So every answer of that context gets, from a servlet filter SparkWeb puts first in its
chain:

- ``Content-Security-Policy: sandbox; ...``: the document gets an opaque origin and runs no
  script, so it reaches neither SparkWeb's storage nor its cookies; it loads nothing but
  same-origin images and media (an image or video opened directly still shows);
- ``X-Content-Type-Options: nosniff``: a file is never run as a type other than its own;
- ``Content-Disposition: attachment`` unless the body is of a type a browser only shows
  (:data:`SHOWN_INLINE`): HTML, SVG, XML, PDF and unknown types are downloaded, not opened.

The plugin adds its context when it loads, which may be before or after SparkWeb, and drops
it when unloaded or reloaded. :class:`UploadHeadersGuard` finds the context through Jetty's
public handler tree (the server SparkWeb's own context is in) and is asked to look again when
a plugin comes or goes and on SparkWeb's timer; :meth:`UploadHeadersGuard.stop` takes the
filter out again, since the plugin's context must not keep SparkWeb's classes after unloading.
"""
from __future__ import absolute_import

import threading

from java.util import EnumSet
from javax.servlet import DispatcherType, Filter
from javax.servlet.http import HttpServletResponseWrapper

from sparkweb.http import jetty
from sparkweb.log import logger

LOG = logger("upload")
UPLOAD_CONTEXT_PATH = "/httpfileupload"   # fixed in the plugin (1.5.0: HttpFileUploadPlugin)
FILTER_NAME = "sparkweb-upload-headers"
POLICY = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
# Types browsers render without running anything in them; everything else is an attachment.
SHOWN_INLINE = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
                "image/bmp", "text/plain")
SHOWN_INLINE_FAMILIES = ("audio/", "video/")


def shown_inline(content_type):
    """True for a type a browser shows without running code in it (no parameters needed)."""
    base = (content_type or "").split(";")[0].strip().lower()
    return base in SHOWN_INLINE or base.startswith(SHOWN_INLINE_FAMILIES)


class UploadHeadersFilter(Filter):
    def init(self, filter_config):
        pass

    def destroy(self):
        pass

    def doFilter(self, request, response, chain):
        response.setHeader("Content-Security-Policy", POLICY)
        response.setHeader("X-Content-Type-Options", "nosniff")
        chain.doFilter(request, _AttachmentUnlessShown(response))


class _AttachmentUnlessShown(HttpServletResponseWrapper):
    """Decides Content-Disposition when the servlet names the type, and again when it starts the
    body (a body of no type at all becomes application/octet-stream, an attachment)."""

    def setContentType(self, content_type):
        HttpServletResponseWrapper.setContentType(self, content_type)
        self._dispose(content_type)

    def getOutputStream(self):
        self._dispose(self.getContentType())
        return HttpServletResponseWrapper.getOutputStream(self)

    def getWriter(self):
        self._dispose(self.getContentType())
        return HttpServletResponseWrapper.getWriter(self)

    def _dispose(self, content_type):
        if self.isCommitted() or shown_inline(content_type):
            return
        if not content_type:
            HttpServletResponseWrapper.setContentType(self, "application/octet-stream")
        self.setHeader("Content-Disposition", "attachment")


class UploadHeadersGuard(object):
    """Keeps :class:`UploadHeadersFilter` first in the upload plugin's context, whichever
    context instance that is now. ``server_of`` answers the Jetty server SparkWeb is served by
    (None while it has none). Thread-safe: plugin events and the timer may call :meth:`check`
    at once."""

    def __init__(self, server_of):
        self._server_of = server_of
        self._lock = threading.Lock()
        self._guarded = None     # (ServletHandler, FilterHolder, FilterMapping) or None
        self._stopped = False

    def check(self):
        """Puts the filter into the upload context if it lacks it; forgets a context that is
        gone (an unloaded plugin's classes must not stay reachable from SparkWeb)."""
        with self._lock:
            if self._stopped:
                return
            handler = _upload_servlet_handler(self._server_of())
            if self._guarded is not None and self._guarded[0] != handler:   # Java identity
                self._release()
            if handler is not None and self._guarded is None:
                self._guarded = _install(handler)
                LOG.info("Openfire's HTTP File Upload plugin serves files at %s on SparkWeb's web "
                         "server: SparkWeb adds Content-Security-Policy (sandbox), "
                         "X-Content-Type-Options (nosniff) and, for types a browser could run, "
                         "Content-Disposition (attachment) to its answers." % UPLOAD_CONTEXT_PATH)

    def guarding(self):
        with self._lock:
            return self._guarded is not None

    def stop(self):
        with self._lock:
            self._stopped = True
            self._release()

    def _release(self):
        if self._guarded is None:
            return
        handler, holder, mapping = self._guarded
        self._guarded = None
        if holder in list(handler.getFilters() or []):
            handler.removeFilterMapping(mapping)
            handler.removeFilterHolder(holder)
            LOG.info("SparkWeb no longer adds its headers to the answers at %s."
                     % UPLOAD_CONTEXT_PATH)


def _upload_servlet_handler(server):
    """The servlet handler of the running context at UPLOAD_CONTEXT_PATH, or None."""
    if server is None:
        return None
    for context in server.getDescendants(jetty.CoreContextHandler):
        if context.getContextPath() == UPLOAD_CONTEXT_PATH and context.isStarted():
            servlets = context.getContextHandler()
            if isinstance(servlets, jetty.ServletContextHandler):
                return servlets.getServletHandler()
    return None


def _install(handler):
    holder = jetty.FilterHolder(UploadHeadersFilter())
    holder.setName(FILTER_NAME)
    holder.setAsyncSupported(True)
    mapping = jetty.FilterMapping()
    mapping.setFilterName(FILTER_NAME)
    mapping.setPathSpec("/*")
    mapping.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR,
                                          DispatcherType.ASYNC))
    handler.prependFilter(holder)
    handler.prependFilterMapping(mapping)
    return handler, holder, mapping
