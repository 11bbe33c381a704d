"""Start and stop of SparkWeb. :func:`start` is what the Java boot class calls.

Every set-up step pushes its undo; :meth:`SparkWeb.stop` runs the undos in reverse, so unloading
the plugin removes exactly what loading it added.
"""
from __future__ import absolute_import

import sys

from java.io import File
from java.lang import Runnable, System, Thread, Throwable
from java.util import ResourceBundle
from java.util.concurrent import Executors, ThreadFactory, TimeUnit
from org.igniterealtime.openfire.plugin.sparkweb import AdminPageServlet

from sparkweb import VERSION, config, images
from sparkweb.admin.page import SettingsPage
from sparkweb.admin.servlet import AdminHandler
from sparkweb.admin.texts import Texts
from sparkweb.api import MODELS, ROUTES
from sparkweb.cluster import serving
from sparkweb.cluster.overview import cluster_overview
from sparkweb.http import app as web, openapi, routing
from sparkweb.http.upload_headers import UploadHeadersGuard
from sparkweb.http.warm_up import WarmUp
from sparkweb.jsontext import to_json
from sparkweb.log import RepeatedFailures, log_failure, logger
from sparkweb.services import build_services

LOG = logger("plugin")
UPLOAD_CHECK_SECONDS = 5


class SparkWeb(object):
    """One running SparkWeb: its services and its web context on the given facade."""

    def __init__(self, openfire, class_loader, static_dir=None):
        self.openfire = openfire
        self._class_loader = class_loader
        self._static_dir = static_dir
        self._undo = []
        self.services = None
        self.warm_up = None

    def start(self):
        """Runs the set-up steps. If one fails, the steps before it are undone and the failure
        is raised again: after a failed ``initializePlugin``, Openfire calls ``destroyPlugin``
        only once the jar is removed, and until then nothing may run or serve."""
        try:
            self._set_up()
        except (Exception, Throwable):   # Java exceptions are not Exceptions
            failure = sys.exc_info()
            self.stop()
            raise failure[0], failure[1], failure[2]
        return self

    def _set_up(self):
        images.start()   # before any request can use ImageIO (see there why)
        self.services = build_services(self.openfire)
        self._undo.append(self.services.accounts.watch())
        self._undo.append(self.openfire.watch_vcards())
        self._undo.append(self.services.webpush.stop)
        self._undo.append(self.services.outbound.stop)   # first: push threads blocked in reads end
        self._undo.append(self.services.webpush.listen())
        scheduler = Executors.newSingleThreadScheduledExecutor(_DaemonThreads("sparkweb-timer"))
        self._undo.append(lambda: _shut_down(scheduler))
        self._schedule_housekeeping(scheduler)
        self._follow_duplicates()
        self._undo.append(self.services.membership.start(self.openfire))
        forwarding = self.services.forwarding
        # Stopping, in this order (review S6-R-4): calls arriving from other nodes are refused
        # at once and the running ones finish, then the sessions end (their routes go), and
        # only then this node stops receiving, so other nodes never wait out their timeout.
        self._undo.append(forwarding.start(routing.call_server(ROUTES, self.services)))
        self._undo.append(self.services.sessions.stop_deliveries)   # after end_all
        self._undo.append(self.services.sessions.end_all)
        self._undo.append(forwarding.stop_serving)
        # Its undo first: relayed streams close both ways while messages can still be sent.
        self._undo.append(self.services.relays.start())   # its timers on a thread of its own
        gate = web.RequestGate()
        context = web.build_context(ROUTES, self.services, self._class_loader, self._static_dir,
                                    gate, to_json(self.api_description()))
        # The undo goes first: a context that fails to start is in the web server already.
        self._undo.append(lambda: self.openfire.remove_web_context(context))
        self.openfire.add_web_context(context)
        self._guard_uploads(context, scheduler)
        self._undo.append(gate.close)   # before the removal: no request may be in Jersey as it stops
        # Before the gate waits: requests waiting for another node end now, with a 503.
        self._undo.append(forwarding.close)
        self._undo.append(self.services.streams.close_all)
        # Last in, so first out: its in-process requests end before the gate closes.
        self.warm_up = WarmUp(context.getServletHandler().getServlet(web.REST_SERVLET),
                              busy=gate.busy).start()
        self._undo.append(self.warm_up.stop)
        self._serve_admin_page()

    def _follow_duplicates(self):
        """Duplicate sessions after a healed split (cluster.rejoin) are ended on a thread of
        their own, not the housekeeping thread: ending a session closes it and writes to the
        database, and nothing may hold up session expiry, heartbeats and relay keepalives
        (review S8-R-4)."""
        rejoin = Executors.newSingleThreadScheduledExecutor(_DaemonThreads("sparkweb-rejoin"))
        self._undo.append(lambda: _shut_down(rejoin))
        self.services.duplicates.start(lambda task, seconds: rejoin.schedule(
            _Task(task, "duplicate sessions"), long(seconds * 1000), TimeUnit.MILLISECONDS))

    def _guard_uploads(self, context, scheduler):
        """Safe headers on Openfire's HTTP File Upload plugin's answers (http.upload_headers):
        looked at now, whenever a plugin loads or unloads, and every few seconds besides."""
        guard = UploadHeadersGuard(context.getServer)
        self._undo.append(guard.stop)   # also ends the timer's checks, which may run on a while
        self._undo.append(self.openfire.watch_plugins(lambda name: guard.check()))
        guard.check()
        scheduler.scheduleWithFixedDelay(_Task(guard.check, "upload headers"),
                                         UPLOAD_CHECK_SECONDS, UPLOAD_CHECK_SECONDS,
                                         TimeUnit.SECONDS)

    def _serve_admin_page(self):
        """Hands the admin-console page (AdminPageServlet, created by Openfire) to Python."""
        services = self.services
        page = SettingsPage(services.settings, services.rotate_signing_key, self.openfire,
                            self.effective_urls, self.activity, services.rotate_vapid_key,
                            services.webpush.sender.counts, lambda: cluster_overview(
                                self.openfire, services.sessions, services.forwarding,
                                services.relays))
        loader = self._class_loader
        AdminPageServlet.setHandler(
            AdminHandler(page, lambda: Texts(loader, self.openfire.locale())))
        self._undo.append(lambda: ResourceBundle.clearCache(loader))
        self._undo.append(lambda: AdminPageServlet.setHandler(None))

    def _schedule_housekeeping(self, scheduler):
        """Session expiry, stream heartbeats, passkey housekeeping (expired challenges, records
        of deleted accounts), this node's entry among the serving nodes (cluster.serving) and
        following a key rotation made on another cluster node, on one
        daemon thread that stop() ends."""
        heartbeat = self.services.settings.get(config.SSE_HEARTBEAT)
        scheduler.scheduleWithFixedDelay(_Task(self.services.sessions.expire, "session expiry"),
                                         1, 1, TimeUnit.SECONDS)
        scheduler.scheduleWithFixedDelay(_Task(self.services.streams.heartbeat, "heartbeats"),
                                         heartbeat, heartbeat, TimeUnit.SECONDS)
        scheduler.scheduleWithFixedDelay(_Task(self.services.passkeys.housekeeping,
                                               "passkey housekeeping"), 60, 60, TimeUnit.SECONDS)
        scheduler.scheduleWithFixedDelay(_Task(self.services.serving.refresh, "serving record"),
                                         serving.REFRESH_SECONDS, serving.REFRESH_SECONDS,
                                         TimeUnit.SECONDS)
        # A key rotated on another cluster node arrives here as a property event, on the
        # thread that routes between the nodes: the switch runs on the housekeeping thread.
        follow = _Task(self.services.follow_key_rotation, "key rotation")
        for name in (config.TOKEN_KEY_PROPERTY, config.WEBPUSH_VAPID_PROPERTY):
            self._undo.append(self.openfire.watch_property(
                name, lambda: scheduler.execute(follow)))

    def stop(self):
        while self._undo:
            undo = self._undo.pop()
            try:
                undo()
            except (Exception, Throwable):   # Java exceptions are not Exceptions
                log_failure(LOG, "A shutdown step of SparkWeb failed; continuing.")

    def api_description(self):
        """The OpenAPI document of the route tables (http.openapi), made once per start."""
        return openapi.document(ROUTES, MODELS, web.CONTEXT_PATH + web.REST_PATH,
                                self.openfire.web_urls(), VERSION)

    def rest_urls(self):
        return [base + web.CONTEXT_PATH + web.REST_PATH + "/" for base in self.openfire.web_urls()]

    def activity(self):
        """Open event streams and user sessions of this node, as the settings page shows them."""
        return {"streams": len(self.services.streams), "sessions": self.services.sessions.count()}

    def effective_urls(self):
        """Where pages reach SparkWeb, as the settings page shows it."""
        bases = self.openfire.web_urls()
        return {"rest": self.rest_urls(),
                "sse": [base + web.CONTEXT_PATH + web.SSE_PATH for base in bases]}


def _shut_down(scheduler, timeout_seconds=10):
    """Ends the housekeeping thread and waits (bounded) for it, so that no thread of an unloaded
    plugin runs on."""
    scheduler.shutdownNow()
    if not scheduler.awaitTermination(timeout_seconds, TimeUnit.SECONDS):
        LOG.warn("SparkWeb's housekeeping thread did not end within %d s." % timeout_seconds)


class _Task(Runnable):
    """A scheduled call whose failure is logged instead of silently cancelling the schedule;
    logged once with its traceback, then counted (it may fail every second)."""

    def __init__(self, function, what=None):
        self._function = function
        self._failures = RepeatedFailures(LOG, "SparkWeb housekeeping (%s)" % (
            what or getattr(function, "__name__", "task")))

    def run(self):
        try:
            self._function()
        except (Exception, Throwable):   # an escaping error would end the schedule
            self._failures.failed()
            return
        self._failures.succeeded()


class _DaemonThreads(ThreadFactory):
    def __init__(self, name):
        self._name = name

    def newThread(self, runnable):
        thread = Thread(runnable, self._name)
        thread.setDaemon(True)
        return thread


def start(plugin_directory, class_loader, boot_started_nanos=None):
    """Entry point from ``SparkWebPlugin.initializePlugin``: SparkWeb on the live Openfire."""
    from sparkweb.openfire.live import LiveOpenfire
    from org.igniterealtime.openfire.plugin.sparkweb import JythonTypeRegistry
    if not JythonTypeRegistry.isInstalled():
        LOG.error("Jython's type registry could not be replaced (a Jython other than 2.7.4?): "
                  "unloading SparkWeb will keep its classloader in memory.")
    static_dir = File(plugin_directory, "web").getAbsolutePath()
    running = SparkWeb(LiveOpenfire(), class_loader, static_dir).start()
    elapsed = ""
    if boot_started_nanos is not None:
        elapsed = " in %d ms" % ((System.nanoTime() - boot_started_nanos) // 1000000)
    LOG.info("SparkWeb %s started%s; REST API at %s" % (
        VERSION, elapsed, ", ".join(running.rest_urls())))
    return running
