"""Link previews: a page fetched through the guarded client, read by :mod:`.metadata`, cached.

- One fetch for many users: answers (and failures, for a shorter time) are cached per URL,
  bounded in number and expiring; a request for a URL being fetched waits for that fetch
  instead of starting its own.
- A per-user limit of previews per minute (cache hits count too: it bounds what one account
  can make the server do); beyond it 429 with Retry-After.
- At most ``sparkweb.preview.maxFetches`` pages fetched at once, for all users together: a
  fetch holds the request thread that asked for it, so many slow sites must not take all of the
  web server's threads; a preview needing one more fetch is 503 with Retry-After (nothing is
  cached for it, so asking again later fetches).
- At most 1 MB of a page is read (the head, where the metadata is, comes first); only HTML is
  parsed; refusals and failures are 400 with the reason, as the spec documents for the route.
"""
from __future__ import absolute_import

import threading
import traceback
from collections import OrderedDict

from java.lang import Throwable
from java.util.concurrent import CompletableFuture, TimeUnit, TimeoutException
from java.util.concurrent.atomic import AtomicInteger

from sparkweb import config
from sparkweb.errors import ApiError, BadRequest, NotFound, ServiceUnavailable
from sparkweb.outbound import urls
from sparkweb.outbound.errors import Failed, Refused
from sparkweb.log import logger
from sparkweb.outbound.metadata import preview_for, read_page
from sparkweb.per_minute import PerMinute

LOG = logger("preview")
MAX_PAGE_BYTES = 1024 * 1024
FAILURE_SECONDS = 60
HTML_TYPES = ("text/html", "application/xhtml+xml")


class LinkPreviews(object):
    def __init__(self, settings, client, clock):
        self._settings = settings
        self._client = client
        self._clock = clock              # milliseconds
        self._lock = threading.Lock()
        self._cache = OrderedDict()      # url -> [expires millis, CompletableFuture]
        self._per_user = PerMinute(lambda: settings.get(config.PREVIEW_PER_MINUTE), clock,
                                   "link previews")
        self.fetches = AtomicInteger()   # pages fetched so far (tests read it)
        self._fetching = AtomicInteger()  # fetches running now, for sparkweb.preview.maxFetches

    def preview(self, username, url, quality):
        if not self._settings.get(config.PREVIEW_ENABLED):
            raise NotFound("Link previews are turned off on this server.")
        self._per_user.take(username)
        try:
            target = urls.parse(url)
        except Refused as refusal:
            raise BadRequest(refusal.message)
        future, mine = self._future(target.url)
        if mine:
            self._complete(future, target.url)
        return preview_for(self._outcome(future), quality)

    def _future(self, key):
        """The cache entry's future for ``key`` and whether the caller must fetch it."""
        now = self._clock()
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry[0] > now:
                return entry[1], False
            self._take_fetch_place()
            future = CompletableFuture()
            self._cache.pop(key, None)
            self._cache[key] = [now + 1000 * self._settings.get(config.PREVIEW_CACHE_SECONDS),
                                future]
            self._trim(now)
            return future, True

    def _take_fetch_place(self):
        """Counts one more fetch running, or 503 when sparkweb.preview.maxFetches already run:
        each holds a request thread, so slow sites must not gather all of them."""
        if self._fetching.incrementAndGet() > self._settings.get(config.PREVIEW_MAX_FETCHES):
            self._fetching.decrementAndGet()
            raise ServiceUnavailable("Too many link previews are being fetched right now; try "
                                     "again in a few seconds.", {"Retry-After": "5"})

    def _trim(self, now):
        limit = self._settings.get(config.PREVIEW_CACHE_ENTRIES)
        if len(self._cache) > limit:
            for key in [key for key, entry in self._cache.items() if entry[0] <= now]:
                del self._cache[key]
        while len(self._cache) > limit:
            self._cache.popitem(last=False)

    def _complete(self, future, url):
        try:
            self.fetches.incrementAndGet()
            future.complete(self._fetch(url))
        except ApiError as error:
            self._shorten(url, future)
            future.complete(error)
        except (Exception, Throwable):
            LOG.warn("Link preview of a page failed unexpectedly:\n%s" % traceback.format_exc())
            self._shorten(url, future)
            future.complete(BadRequest("The preview request failed."))
        finally:
            self._fetching.decrementAndGet()

    def _shorten(self, url, future):
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None and entry[1] is future:
                entry[0] = min(entry[0], self._clock() + 1000 * FAILURE_SECONDS)

    def _outcome(self, future):
        # The fetch itself is bounded: four hops (three redirects), each within both timeouts.
        wait = 4 * (self._settings.get(config.OUTBOUND_CONNECT_SECONDS) +
                    self._settings.get(config.OUTBOUND_READ_SECONDS)) + 5
        try:
            outcome = future.get(wait, TimeUnit.SECONDS)
        except TimeoutException:
            raise BadRequest("The page took too long to fetch.")
        if isinstance(outcome, ApiError):
            raise outcome
        return outcome

    def _fetch(self, url):
        try:
            answer = self._client.request("GET", url, headers=[("Accept", "text/html")],
                                          max_bytes=MAX_PAGE_BYTES)
        except (Refused, Failed) as problem:
            raise _unfetched(url, problem)
        if answer.status != 200:
            raise BadRequest("No preview: the page answered %d." % answer.status)
        content_type = answer.header("content-type") or ""
        if content_type.split(";")[0].strip().lower() not in HTML_TYPES:
            raise BadRequest("No preview: the link is not an HTML page (%s)." % (
                content_type.split(";")[0].strip()[:60] or "no content type"))
        return read_page(answer.body, content_type, answer.url)


# Said to the caller as they are: what the caller's own link shows. Anything about addresses
# and connections (unknown host, refused address, connection refused, timeout, TLS) is one
# answer, or previews would map internal host names and scan ports from the server's address.
_TOLD_AS_IS = ("redirects", "too_large", "malformed", "scheme", "userinfo", "spelling")


def _unfetched(url, problem):
    if problem.reason in _TOLD_AS_IS:
        return BadRequest("No preview: %s" % problem.message)
    LOG.debug("No preview: %s" % problem.message)
    return BadRequest("No preview: the page cannot be fetched from this server.")
