"""``POST /webpush/publish/{target}``: one user's notification to another's devices.

Allowed when the target lets the caller see their presence (the target's roster has the caller
with a 'from' or 'both' subscription: a contact the target accepted), or the caller is an
Openfire administrator; anyone else gets 403, whether or not the target exists. Each sender has
``sparkweb.webpush.publishPerMinute`` notifications a minute (a bucket that refills over a
minute); beyond, 429 with Retry-After. A given title is shown after the sender's address, without
one the title is ``Name (address)``, and a given tag is kept under ``publish:<sender>:`` so that it replaces only the sender's own.
"""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap

from sparkweb import config
from sparkweb.errors import BadRequest, Forbidden, TooManyRequests
from sparkweb.push.automatic import with_address
from sparkweb.push.notifications import Notification

REFILL_MILLIS = 60000
MAX_TRACKED = 100000
LIMITS = {"title": 100, "body": 2000, "url": 500, "tag": 100}


class PublishLimits(object):
    def __init__(self, settings, clock):
        self._settings = settings
        self._clock = clock
        self._buckets = ConcurrentHashMap()   # sender -> (left, at millis)

    def take(self, sender):
        capacity = self._settings.get(config.WEBPUSH_PUBLISH_PER_MINUTE)
        while True:
            now = self._clock()
            old = self._buckets.get(sender)
            left = capacity if old is None else min(
                capacity, old[0] + (now - old[1]) * capacity / float(REFILL_MILLIS))
            if left < 1:
                wait_seconds = int((1 - left) * REFILL_MILLIS / capacity / 1000) + 1
                raise TooManyRequests("Too many notifications sent; try again later.",
                                      {"Retry-After": str(wait_seconds)})
            if self._buckets.size() >= MAX_TRACKED:
                self.sweep()
            new = (left - 1, now)
            if (old is None and self._buckets.putIfAbsent(sender, new) is None) or \
                    (old is not None and self._buckets.replace(sender, old, new)):
                return

    def sweep(self):
        horizon = self._clock() - REFILL_MILLIS
        for entry in list(self._buckets.entrySet()):
            if entry.getValue()[1] <= horizon:
                self._buckets.remove(entry.getKey(), entry.getValue())


def check_allowed(openfire, sender, target):
    if sender != target and not openfire.is_admin(sender) and \
            not (openfire.get_user(target) is not None and openfire.can_probe(sender, target)):
        raise Forbidden("You may send notifications only to contacts who share their presence "
                        "with you.")


def _text(fields, name):
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, basestring) or len(value) > LIMITS[name]:
        raise BadRequest("'%s' must be a string of at most %d characters." % (name,
                                                                              LIMITS[name]))
    return value


def _url(value):
    """Only a path on this site: a contact's notification must not open another site."""
    if value is not None and (not value.startswith(u"/") or value.startswith(u"//") or
                              u"\\" in value or any(ord(c) < 32 for c in value)):
        raise BadRequest("'url' must be a path on this site, starting with '/'.")
    return value


def notification(fields, sender_name, sender_jid):
    """A Notification from ``{title, body, url, tag}`` (the raw-text form: body only)."""
    body = _text(fields, "body")
    title = _text(fields, "title")
    if not body and not title:
        raise BadRequest("A notification needs a 'body' or a 'title'.")
    # The sender's address is always shown, and their tags live under their own prefix: a
    # contact can neither pose as someone else nor replace another conversation's notification.
    title = u"%s: %s" % (sender_jid, title) if title else with_address(sender_name, sender_jid)
    tag = _text(fields, "tag")
    tag = u"publish:%s:%s" % (sender_jid, tag) if tag else u"publish:" + sender_jid
    return Notification(title[:LIMITS["title"]], body, "publish", url=_url(_text(fields, "url")),
                        tag=tag, sender=sender_jid)
