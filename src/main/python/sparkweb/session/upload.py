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


class UploadServices(object):
    """The upload service of each domain as found by discovery: (service JID, size limit),
    remembered for REMEMBER_SECONDS. Only services found are remembered: a server without
    one is asked again each time, so installing the plugin takes effect at once. Requests
    arriving while a discovery runs share its outcome (a service or the 501) instead of
    starting their own; no lock is held while a discovery waits for answers."""

    def __init__(self, clock):
        self._clock = clock                 # milliseconds
        self._lock = threading.Lock()       # guards _found and _running
        self._found = {}                    # domain -> (jid, limit, found at)
        self._running = {}                  # domain -> _Discovery under way

    def find(self, session, younger_than=REMEMBER_SECONDS):
        """(jid, limit, remembered): the domain's service, discovered again when what is
        remembered is older than ``younger_than`` seconds."""
        domain = _domain(session)
        with self._lock:
            known = self._found.get(domain)
            if known is not None and self._clock() - known[2] < younger_than * 1000:
                return known[0], known[1], True
            running = self._running.get(domain)
            mine = running is None
            if mine:
                running = self._running[domain] = _Discovery()
        if not mine:
            jid, limit = running.outcome()
            return jid, limit, True
        try:
            running.result = find_service(session)
        except (Exception, Throwable), error:
            running.error = error
            raise
        finally:
            with self._lock:
                del self._running[domain]
                if running.result is not None:
                    self._found[domain] = running.result + (self._clock(),)
            running.done.countDown()
        return running.result[0], running.result[1], False

    def forget(self, session, jid):
        domain = _domain(session)
        with self._lock:
            if self._found.get(domain, (None,))[0] == jid:
                del self._found[domain]

    def _known(self, domain, younger_than):
        with self._lock:
            known = self._found.get(domain)
        if known is not None and self._clock() - known[2] < younger_than * 1000:
            return known
        return None


class _Discovery(object):
    """One discovery under way; the requests that wait for it take its outcome."""
    WAIT_SECONDS = 30

    def __init__(self):
        self.done = CountDownLatch(1)
        self.result = self.error = None

    def outcome(self):
        if not self.done.await(self.WAIT_SECONDS, TimeUnit.SECONDS):
            raise ServiceUnavailable("The search for the upload service is taking too long.",
                                     {"Retry-After": "10"})
        if self.error is not None:
            raise self.error
        return self.result


def request_slot(services, session, file_name, size, content_type=None):
    """``{putUrl, getUrl, headers}`` for a file of ``size`` bytes named ``file_name``, from
    the domain's upload service as remembered by ``services`` (:class:`UploadServices`)."""
    _check_name(file_name)
    if content_type is not None:
        _check_content_type(content_type)
    service, limit, remembered = services.find(session)
    if remembered and limit is not None and size > limit:
        service, limit, remembered = services.find(session, RECHECK_SECONDS)
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
        services.forget(session, service)       # no answer in time: look again next time
        raise
    condition, error = iq.error_condition(answer)
    return answer, condition, error


def _domain(session):
    return session.jid.split("@")[-1].split("/")[0]


def find_service(session):
    """(service JID, maximum file size or None): the first item of the server's disco#items
    whose disco#info has the upload feature. 501 when there is none."""
    items = session.ask("get", _domain(session), iq.element("query", iq.NS_DISCO_ITEMS))
    query = iq.child(items, "query", iq.NS_DISCO_ITEMS)
    for item in iq.children(query, "item") if query is not None else []:
        jid = item.getAttribute("jid")
        if not jid or item.getAttribute("node"):
            continue
        info = session.ask("get", jid, iq.element("query", iq.NS_DISCO_INFO))
        found = iq.child(info, "query", iq.NS_DISCO_INFO)
        if found is not None and _has_feature(found):
            return jid, _max_size(found)
    raise PluginMissing(UPLOAD_PLUGIN, UPLOAD_SERVICE)


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

