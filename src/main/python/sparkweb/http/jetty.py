"""The Jetty servlet classes SparkWeb's web context is built from: Openfire 5.x embeds Jetty 12
and serves javax.servlet through its ``ee8`` environment (the dev host runs the same).

Openfire 4.9 (Jetty 10, ``org.eclipse.jetty.servlet``) is not supported: plugin.xml asks for
5.0.0 at least, so Openfire never loads SparkWeb there.
"""
from __future__ import absolute_import

from org.eclipse.jetty.ee8.nested import ErrorHandler
from org.eclipse.jetty.ee8.nested.ContextHandler import CoreContextHandler
from org.eclipse.jetty.ee8.servlet import (DefaultServlet, FilterHolder, FilterMapping,
                                            ServletContextHandler, ServletHolder)

# CoreContextHandler: how an ee8 context appears in Jetty 12's core handler tree (its
# getContextHandler() is the ee8 context), e.g. other plugins' contexts (http.upload_headers).
__all__ = ["CoreContextHandler", "DefaultServlet", "ErrorHandler", "FilterHolder",
           "FilterMapping", "ServletContextHandler", "ServletHolder"]
