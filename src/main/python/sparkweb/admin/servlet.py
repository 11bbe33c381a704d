"""Adapts the servlet requests AdminPageServlet receives to :class:`SettingsPage`.

Openfire has already checked that the caller is a signed-in administrator (AuthCheckFilter on
/plugins/*); this adds a CSRF token per admin-console session, required on every POST.
"""
from __future__ import absolute_import

from java.lang import Throwable
from org.igniterealtime.openfire.plugin.sparkweb import AdminPageServlet

from sparkweb.admin.page import Answer
from sparkweb.log import logger, traceback_text
from sparkweb.secure_random import random_token

LOG = logger("admin")
CSRF_ATTRIBUTE = "sparkweb.admin.csrf"


class AdminHandler(AdminPageServlet.Handler):
    """``texts()`` answers the page's Texts in the admin console's current locale."""

    def __init__(self, page, texts):
        self._page = page
        self._texts = texts

    def handle(self, request, response):
        try:
            answer = self._answer(request)
        except (Exception, Throwable):   # never a stack trace on the page; in the log, once
            LOG.error("SparkWeb's settings page failed:\n" + traceback_text())
            response.sendError(500)
            return
        _write(response, answer)

    def _answer(self, request):
        csrf = session_token(request.getSession())
        method = request.getMethod()
        if method == "GET":
            return self._page.show(self._texts(), csrf, request.getParameter("saved"))
        if method == "POST":
            return self._page.submit(self._texts(), csrf, form(request))
        return Answer(405, u"")


def session_token(session):
    """This admin session's CSRF token, made on first use (256 random bits)."""
    token = session.getAttribute(CSRF_ATTRIBUTE)
    if token is None:
        token = random_token(32)
        session.setAttribute(CSRF_ATTRIBUTE, token)
    return token


def form(request):
    """The request's parameters, the first value of each."""
    names = request.getParameterNames()
    fields = {}
    while names.hasMoreElements():
        name = names.nextElement()
        fields[name] = request.getParameter(name)
    return fields


def _write(response, answer):
    response.setHeader("Cache-Control", "no-store")
    if answer.location is not None:
        response.setStatus(answer.status)
        response.setHeader("Location", answer.location)
        return
    response.setStatus(answer.status)
    response.setContentType("text/html; charset=UTF-8")
    writer = response.getWriter()
    writer.write(answer.html)
    writer.flush()
