"""The settings page: GET shows the settings, the effective URLs and the key-rotation form;
POST saves settings (all or nothing) or rotates the token signing key.

Servlet-free, so unit tests drive it with dicts: ``show`` and ``submit`` return an
:class:`Answer`. The HTML is in :mod:`render`.
"""
from __future__ import absolute_import

from java.security import MessageDigest

from sparkweb.admin import fields, render
from sparkweb.admin.render import PAGE
from sparkweb.admin.sections import page_sections

NOTICES = {"settings": "sparkweb.settings.saved", "key": "sparkweb.settings.key.rotated",
           "vapid": "sparkweb.settings.vapid.rotated"}


class Answer(object):
    def __init__(self, status=200, html=None, location=None):
        self.status = status
        self.html = html
        self.location = location


def same_token(expected, given):
    """Constant-time comparison of the form's CSRF token with the session's."""
    if not expected or not given:
        return False
    return MessageDigest.isEqual(bytearray(expected.encode("utf-8")),
                                 bytearray(given.encode("utf-8")))


class SettingsPage(object):
    """``urls()`` answers the effective URLs: ``{"rest": [...], "sse": [...]}``."""

    def __init__(self, settings, rotate_key, openfire, urls, activity=lambda: None,
                 rotate_vapid=None, push_counts=None, cluster=None):
        self._settings = settings
        self._cluster = cluster     # cluster.overview's dict of this node, now
        self._activity = activity   # {"streams": n, "sessions": n} of this node, or None
        self._rotate_vapid = rotate_vapid   # ends every push subscription (Web Push key)
        self._push_counts = push_counts     # the push sender's counters, shown beside it
        self._rotate_key = rotate_key   # signs every user out (Services.rotate_signing_key)
        self._openfire = openfire
        self._urls = urls

    def show(self, texts, csrf, notice=None):
        return Answer(200, self._html(texts, csrf, {}, {}, NOTICES.get(notice)))

    def submit(self, texts, csrf, form):
        """Handles a POSTed form (a dict of field name to text)."""
        if not same_token(csrf, form.get("csrf")):
            return Answer(403, self._html(texts, csrf, {}, {}, None,
                                          [texts.text("sparkweb.settings.error.csrf")]))
        action = form.get("action")
        if action == "save":
            return self._save(texts, csrf, form)
        if action == "rotate":
            return self._rotate(texts, csrf, form)
        if action == "rotate-vapid" and self._rotate_vapid is not None:
            return self._rotate_web_push_key(texts, csrf, form)
        return Answer(400, self._html(texts, csrf, {}, {}, None,
                                      [texts.text("sparkweb.settings.error.action")]))

    def _save(self, texts, csrf, form):
        values, errors = {}, {}
        for section in page_sections():
            for setting in section.settings:
                if setting.key not in form:
                    continue
                try:
                    values[setting.key] = (setting, fields.checked(setting, form[setting.key]))
                except fields.Invalid as bad:
                    errors[setting.key] = texts.text(bad.key, *bad.args_)
        if errors:   # nothing is saved unless everything is valid
            return Answer(400, self._html(texts, csrf, form, errors, None,
                                          [texts.text("sparkweb.settings.error.some")]))
        for setting, value in values.values():
            self._store(setting, value)
        return Answer(303, location=PAGE + "?saved=settings")

    def _store(self, setting, value):
        """Writes only what changes, so saving the form never pins today's defaults."""
        if value is None:
            if self._openfire.get_property(setting.key) is not None:
                self._openfire.delete_property(setting.key)
        elif value != self._settings.get(setting):
            self._settings.set(setting, fields.shown(setting, value))

    def _rotate(self, texts, csrf, form):
        if form.get("confirm") != "yes":
            return Answer(400, self._html(texts, csrf, {}, {}, None,
                                          [texts.text("sparkweb.settings.key.unconfirmed")]))
        self._rotate_key()
        return Answer(303, location=PAGE + "?saved=key")

    def _rotate_web_push_key(self, texts, csrf, form):
        if form.get("confirm") != "yes":
            return Answer(400, self._html(texts, csrf, {}, {}, None,
                                          [texts.text("sparkweb.settings.vapid.unconfirmed")]))
        self._rotate_vapid()
        return Answer(303, location=PAGE + "?saved=vapid")

    def _html(self, texts, csrf, submitted, errors, notice_key, messages=()):
        counts = self._push_counts() if self._push_counts is not None else None
        cluster = self._cluster() if self._cluster is not None else None
        return render.page(texts, csrf, self._rows(submitted), errors, self._urls(),
                           texts.text(notice_key) if notice_key else None, messages,
                           self._activity(), counts, cluster)

    def _rows(self, submitted):
        """[(section, [(setting, shown text), ...]), ...] with submitted text where re-shown."""
        rows = []
        for section in page_sections():
            rows.append((section, [
                (setting, submitted.get(setting.key, fields.shown(setting,
                                                                  self._settings.get(setting))))
                for setting in section.settings]))
        return rows
