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
from sparkweb.errors import BadRequest, Forbidden
from sparkweb.per_minute import PerMinute
from sparkweb.push.automatic import with_address
from sparkweb.push.notifications import Notification

LIMITS = {"title": 100, "body": 2000, "url": 500, "tag": 100}


# Senders tracked per recipient of automatic pushes (each for a minute after its last push).
SENDERS_PER_RECIPIENT = 1000


def publish_limits(settings, clock, max_tracked=None, refuse_when_full=False):
    """Notifications per sender a minute (``POST /webpush/publish``: signed-in senders)."""
    extra = {} if max_tracked is None else {"max_tracked": max_tracked}
    return PerMinute(lambda: settings.get(config.WEBPUSH_PUBLISH_PER_MINUTE), clock,
                     "notifications", refuse_when_full=refuse_when_full, **extra)


class AutomaticLimits(object):
    """Automatic pushes a minute per sender and recipient, as many as published ones. The
    senders may be strangers minting addresses, so each recipient has a bounded table of
    them that refuses new senders when full (a notification dropped is better than a phone
    rung without limit): a flood then silences the automatic pushes of its target only, for
    a minute, never everyone's. Recipients are local accounts with push devices."""

    def __init__(self, settings, clock, senders_per_recipient=SENDERS_PER_RECIPIENT):
        self._settings = settings
        self._clock = clock
        self._senders_per_recipient = senders_per_recipient
        self._by_recipient = ConcurrentHashMap()

    def take(self, sender, recipient):
        """Takes one of ``sender``'s pushes to ``recipient``, or raises 429."""
        senders = self._by_recipient.get(recipient)
        if senders is None:
            candidate = publish_limits(self._settings, self._clock,
                                       self._senders_per_recipient, refuse_when_full=True)
            senders = self._by_recipient.putIfAbsent(recipient, candidate) or candidate
        senders.take(sender)

    def forget(self, recipient):
        """The account is gone (its table would otherwise stay)."""
        self._by_recipient.remove(recipient)


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
