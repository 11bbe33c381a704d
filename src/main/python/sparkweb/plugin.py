"""Start and stop of SparkWeb. :func:`start` is what the Java boot class calls.

Every set-up step pushes its undo; :meth:`SparkWeb.stop` runs the undos in reverse, so unloading
the plugin removes exactly what loading it added.
"""
from __future__ import absolute_import

from java.io import File
from java.lang import System

from sparkweb import VERSION
from sparkweb.api import ROUTES
from sparkweb.http import app as web, jetty
from sparkweb.log import logger
from sparkweb.services import build_services

LOG = logger("plugin")


class SparkWeb(object):
    """One running SparkWeb: its services and its web context on the given facade."""

    def __init__(self, openfire, class_loader, static_dir=None):
        self.openfire = openfire
        self._class_loader = class_loader
        self._static_dir = static_dir
        self._undo = []
        self.services = None

    def start(self):
        self.services = build_services(self.openfire)
        context = web.build_context(ROUTES, self.services, self._class_loader, self._static_dir)
        self.openfire.add_web_context(context)
        self._undo.append(lambda: self.openfire.remove_web_context(context))
        return self

    def stop(self):
        while self._undo:
            undo = self._undo.pop()
            try:
                undo()
            except Exception:
                LOG.warn("A shutdown step of SparkWeb failed; continuing with the others.")

    def rest_urls(self):
        return [base + web.CONTEXT_PATH + web.REST_PATH + "/" for base in self.openfire.web_urls()]


def start(plugin_directory, class_loader, boot_started_nanos=None):
    """Entry point from ``SparkWebPlugin.initializePlugin``: SparkWeb on the live Openfire."""
    from sparkweb.openfire.live import LiveOpenfire
    static_dir = File(plugin_directory, "web").getAbsolutePath()
    running = SparkWeb(LiveOpenfire(), class_loader, static_dir).start()
    elapsed = ""
    if boot_started_nanos is not None:
        elapsed = " in %d ms" % ((System.nanoTime() - boot_started_nanos) // 1000000)
    LOG.info("SparkWeb %s started%s (%s); REST API at %s" % (
        VERSION, elapsed, jetty.FLAVOUR, ", ".join(running.rest_urls())))
    return running
