"""The Jetty servlet classes of whichever server we run in, picked at run time.

Openfire 5.x embeds Jetty 12 and serves javax.servlet through its ``ee8`` environment; Openfire
4.9 embeds Jetty 10, whose servlet classes live in ``org.eclipse.jetty.servlet``.
"""
from __future__ import absolute_import

try:
    from org.eclipse.jetty.ee8.servlet import (DefaultServlet, FilterHolder,
                                                ServletContextHandler, ServletHolder)
    from org.eclipse.jetty.ee8.nested import ErrorHandler
    FLAVOUR = "jetty12-ee8"
except ImportError:
    from org.eclipse.jetty.servlet import (DefaultServlet, FilterHolder, ServletContextHandler,
                                           ServletHolder)
    from org.eclipse.jetty.server.handler import ErrorHandler
    FLAVOUR = "jetty10"

__all__ = ["DefaultServlet", "ErrorHandler", "FilterHolder", "ServletContextHandler",
           "ServletHolder", "FLAVOUR"]
