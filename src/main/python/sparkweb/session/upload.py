"""HTTP File Upload (XEP-0363) through the user's own XMPP session: find the server's upload
service by service discovery, check the file against its maximum size, ask for a slot.

Openfire offers the service with its HTTP File Upload plugin (``httpfileupload.<domain>``);
without it there is no item with the feature and the answer is 501 naming the plugin.

Discovery costs one disco#items and a disco#info per server item, so the service found is
remembered per domain for a minute (:class:`UploadServices`). A remembered service that has
gone (the plugin unloaded: its address answers service-unavailable and the like) is forgotten
at once and discovered again in the same request, so removing the plugin is a 501 at once.
"""
from __future__ import absolute_import

import threading

from java.lang import Throwable
from java.util.concurrent import CountDownLatch, TimeUnit

from sparkweb.errors import (BadRequest, Forbidden, PayloadTooLarge,
                             PluginMissing, ServiceUnavailable, TooManyRequests)
from sparkweb.xmpp import iq
from sparkweb.xmpp.stanza import xml_text

NS_UPLOAD = "urn:xmpp:http:upload:0"
# XEP-0363 section 5: the only headers a slot may ask the uploader to send.
PUT_HEADERS = ("authorization", "cookie", "expires")
LONGEST_NAME = 255
UPLOAD_SERVICE, UPLOAD_PLUGIN = "HTTP upload service (XEP-0363)", "HTTP File Upload"
STATUS_BY_CONDITION = {"bad-request": BadRequest, "not-acceptable": BadRequest,
                       "forbidden": Forbidden, "not-allowed": Forbidden,
                       "not-authorized": Forbidden, "resource-constraint": TooManyRequests,
                       "policy-violation": TooManyRequests,
                       "remote-server-timeout": ServiceUnavailable}


class FileTooLarge(PayloadTooLarge):
    def __init__(self, limit):
        PayloadTooLarge.__init__(self, "The file is larger than the upload service's limit "
                                       "of %d bytes." % limit)
        self.limit = limit

    def body(self):
        return dict(PayloadTooLarge.body(self), maxFileSize=self.limit)


# Errors meaning "no service at this address (any more)", rather than a refusal of this slot.
GONE = ("service-unavailable", "feature-not-implemented", "item-not-found",
        "remote-server-not-found")
REMEMBER_SECONDS = 60
# A file over the remembered limit looks again (the limit may have been raised), but at most
# this often, or anyone could make every request of every user a discovery.
RECHECK_SECONDS = 10
# A service that answered is forgotten for not answering a slot request only when this many
# different users' sessions got no answer: one session may drop the service's answers for
# reasons of its own (a privacy list or block list of that account), which says nothing about
# the service and must not make every other user's uploads rediscover and fail.
SILENT_USERS_TO_FORGET = 2
# How long discovery waits for one server item's disco#info: an item that does not answer (a
# hung component) is skipped instead of failing the whole discovery.
ITEM_WAIT_SECONDS = 5
# Rounds a request takes part in before giving up when discoverers' own sessions keep failing.
DISCOVERY_ROUNDS = 2


class UploadServices(object):
    """The upload service of each domain as found by discovery, remembered for
    REMEMBER_SECONDS. Only services found are remembered: a server without one is asked again
    each time, so installing the plugin takes effect at once. Requests arriving while a
    discovery runs share its outcome when that outcome is a fact about the domain (the service,
    or the 501); a failure of the discovering user's own session (ended, no answer in time) is
    not shared: the waiters then discover with their own sessions. No lock is held while a
    discovery waits for answers."""

    def __init__(self, clock):
        self._clock = clock                 # milliseconds
        self._lock = threading.Lock()       # guards _found and _running
        self._found = {}                    # domain -> _Known
        self._running = {}                  # domain -> _Discovery under way

    def find(self, session, younger_than=REMEMBER_SECONDS):
        """(jid, limit, remembered): the domain's service, discovered again when what is
        remembered is older than ``younger_than`` seconds."""
        for _ in range(DISCOVERY_ROUNDS):
            found = self._find_once(session, younger_than)
            if found is not None:
                return found
        raise ServiceUnavailable("The search for the upload service did not finish.",
                                 {"Retry-After": "10"})

    def recheck(self, session):
        """For a file over the remembered limit: the service as found again, at most every
        RECHECK_SECONDS per domain (whether that look succeeds or not); otherwise, or when the
        look fails for this session, what is remembered."""
        domain = _domain(session)
        with self._lock:            # decide only: find() takes this lock itself
            known = self._found.get(domain)
            fresh = known is not None and \
                self._clock() - known.checked < RECHECK_SECONDS * 1000
            if known is not None and not fresh:
                known.checked = self._clock()
        if known is None:           # forgotten meanwhile (the plugin unloaded, say)
            return self.find(session)
        if fresh:
            return known.jid, known.limit, True
        try:
            return self.find(session, 0)
        except ServiceUnavailable:
            return known.jid, known.limit, True

    def _find_once(self, session, younger_than):
        domain = _domain(session)
        with self._lock:
            known = self._found.get(domain)
            if known is not None and self._clock() - known.found < younger_than * 1000:
                return known.jid, known.limit, True
            running = self._running.get(domain)
            mine = running is None
            if mine:
                running = self._running[domain] = _Discovery()
        if not mine:
            result = running.outcome()
            return None if result is None else result + (True,)
        try:
            running.result = find_service(session)
        except PluginMissing, missing:
            running.missing = missing       # a fact about the domain: shared
            raise
        finally:
            with self._lock:
                del self._running[domain]
                if running.result is not None:
                    self._found[domain] = _Known(running.result, self._clock())
            running.done.countDown()
        return running.result[0], running.result[1], False

    def forget(self, session, jid):
        """The service at ``jid`` has gone (it answered so): look for it again."""
        domain = _domain(session)
        with self._lock:
            known = self._found.get(domain)
            if known is not None and known.jid == jid:
                del self._found[domain]

    def no_answer(self, session, jid):
        """``session`` got no answer from the service at ``jid`` in time. Forgotten once
        SILENT_USERS_TO_FORGET different users had that happen (see there)."""
        domain, user = _domain(session), _bare(session)
        with self._lock:
            known = self._found.get(domain)
            if known is not None and known.jid == jid:
                known.silent.add(user)
                if len(known.silent) >= SILENT_USERS_TO_FORGET:
                    del self._found[domain]


class _Known(object):
    """A service found: its address and size limit, when it was found and last looked for
    again, and the users whose sessions it did not answer since."""

    def __init__(self, result, now):
        self.jid, self.limit = result
        self.found = self.checked = now
        self.silent = set()


class _Discovery(object):
    """One discovery under way; the requests that wait for it take its outcome."""
    WAIT_SECONDS = 30

    def __init__(self):
        self.done = CountDownLatch(1)
        self.result = self.missing = None

    def outcome(self):
        """The (jid, limit) found, the 501 raised, or None when the discovery failed for
        reasons of the discovering session alone."""
        if not self.done.await(self.WAIT_SECONDS, TimeUnit.SECONDS):
            raise ServiceUnavailable("The search for the upload service is taking too long.",
                                     {"Retry-After": "10"})
        if self.missing is not None:
            raise self.missing
        return self.result


def request_slot(services, session, file_name, size, content_type=None):
    """``{putUrl, getUrl, headers}`` for a file of ``size`` bytes named ``file_name``, from
    the domain's upload service as remembered by ``services`` (:class:`UploadServices`)."""
    _check_name(file_name)
    if content_type is not None:
        _check_content_type(content_type)
    service, limit, remembered = services.find(session)
    if remembered and limit is not None and size > limit:
        service, limit, remembered = services.recheck(session)
    answer, condition, error = _ask_slot(services, session, service, limit, file_name, size,
                                         content_type)
    if remembered and condition in GONE:
        service, limit, _ = _look_again(services, session, service)   # unloaded or moved
        answer, condition, error = _ask_slot(services, session, service, limit, file_name,
                                             size, content_type)
    if condition is not None:
        raise _refusal(condition, error, service)
    return _slot(answer)


def _look_again(services, session, service):
    services.forget(session, service)
    return services.find(session)


def _ask_slot(services, session, service, limit, file_name, size, content_type):
    if limit is not None and size > limit:
        raise FileTooLarge(limit)
    try:
        answer = session.ask("get", service, iq.element(
            "request", NS_UPLOAD, filename=file_name, size=str(size), content_type=content_type))
    except ServiceUnavailable:
        services.no_answer(session, service)
        raise
    condition, error = iq.error_condition(answer)
    return answer, condition, error


def _domain(session):
    return session.jid.split("@")[-1].split("/")[0]


def _bare(session):
    return session.jid.split("/")[0]


def find_service(session):
    """(service JID, maximum file size or None): the first item of the server's disco#items
    whose disco#info has the upload feature. Items named like Openfire's plugin
    (``httpfileupload.``) are asked first; an item that does not answer within
    ITEM_WAIT_SECONDS is skipped. 501 when no item has the feature, 503 when none that answered
    had it but some did not answer."""
    items = session.ask("get", _domain(session), iq.element("query", iq.NS_DISCO_ITEMS))
    query = iq.child(items, "query", iq.NS_DISCO_ITEMS)
    silent = []
    for jid in _candidates(query):
        try:
            info = session.ask("get", jid, iq.element("query", iq.NS_DISCO_INFO),
                               seconds=ITEM_WAIT_SECONDS)
        except ServiceUnavailable:
            silent.append(jid)
            continue
        found = iq.child(info, "query", iq.NS_DISCO_INFO)
        if found is not None and _has_feature(found):
            return jid, _max_size(found)
    if silent:
        raise ServiceUnavailable("No upload service found; %s did not answer in time."
                                 % ", ".join(silent), {"Retry-After": "10"})
    raise PluginMissing(UPLOAD_PLUGIN, UPLOAD_SERVICE)


def _candidates(query):
    jids = [item.getAttribute("jid") for item in
            (iq.children(query, "item") if query is not None else [])
            if item.getAttribute("jid") and not item.getAttribute("node")]
    return sorted(jids, key=lambda jid: not jid.startswith("httpfileupload."))


def _has_feature(query):
    return any(feature.getAttribute("var") == NS_UPLOAD
               for feature in iq.children(query, "feature"))


def _max_size(query):
    """The ``max-file-size`` field of the service's upload form (XEP-0363 section 3)."""
    for form in iq.children(query, "x", iq.NS_DATA_FORMS):
        fields = dict((field.getAttribute("var"), field) for field in iq.children(form, "field"))
        form_type = fields.get("FORM_TYPE")
        if form_type is None or _value(form_type) != NS_UPLOAD or "max-file-size" not in fields:
            continue
        value = _value(fields["max-file-size"])
        if value and value.isdigit():
            return int(value)
    return None


def _value(field):
    value = iq.child(field, "value")
    return value.getTextContent().strip() if value is not None else None


def _slot(answer):
    slot = iq.child(answer, "slot", NS_UPLOAD)
    put = iq.child(slot, "put", NS_UPLOAD) if slot is not None else None
    get = iq.child(slot, "get", NS_UPLOAD) if slot is not None else None
    if put is None or get is None or not put.getAttribute("url") or not get.getAttribute("url"):
        raise ServiceUnavailable("The upload service answered without a usable slot.")
    headers = {}
    for header in iq.children(put, "header", NS_UPLOAD):
        name = header.getAttribute("name")
        if name.lower() in PUT_HEADERS:
            headers[name] = " ".join(header.getTextContent().split())
    return {"putUrl": put.getAttribute("url"), "getUrl": get.getAttribute("url"),
            "headers": headers}


def _refusal(condition, error, service):
    too_large = iq.child(error, "file-too-large", NS_UPLOAD)
    if too_large is not None:
        limit = iq.child(too_large, "max-file-size", NS_UPLOAD)
        text = limit.getTextContent().strip() if limit is not None else ""
        if text.isdigit():
            return FileTooLarge(int(text))
        return PayloadTooLarge("The upload service refused the file as too large.")
    if condition in GONE:
        return PluginMissing(UPLOAD_PLUGIN, UPLOAD_SERVICE)
    kind = STATUS_BY_CONDITION.get(condition, BadRequest)
    headers = {"Retry-After": "10"} if kind is ServiceUnavailable else None
    return kind("The upload service %s refused the slot: %s." % (service, condition), headers)


def _check_name(file_name):
    if not file_name.strip() or len(file_name) > LONGEST_NAME or "/" in file_name:
        raise BadRequest("'fileName' must be 1 to %d characters without '/'." % LONGEST_NAME)
    xml_text("fileName", file_name)


def _check_content_type(content_type):
    if len(content_type) > 255 or "/" not in content_type or any(
            ord(char) < 33 or ord(char) > 126 for char in content_type.replace(" ", "")):
        raise BadRequest("'contentType' must be a media type such as image/jpeg.")

