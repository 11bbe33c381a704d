"""Upload slots (XEP-0363) through the user's session, against the in-memory server with and
without an upload service like Openfire's HTTP File Upload plugin."""
from __future__ import absolute_import

from java.lang import Thread
from java.util.concurrent import Callable, CountDownLatch, Executors, TimeUnit

from sparkweb import config
from sparkweb.api.collaboration import get_upload_slot
from sparkweb.errors import BadRequest, PayloadTooLarge, ServiceUnavailable
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.openfire.memory_iq import MemoryUploadService
from sparkweb.session import upload
from sparkweb.session.upload import request_slot
from sparkweb.session.user_session import SessionEnded
from sparkweb.session.upload_origin import UploadSameOrigin, check_slot
from sparkweb.xmpp import stanza as model
from sparkweb.xmpp import iq
from support import Clock, FakeRequest, in_thread, openfire_with_users, raised, services

CLAIMS = type("Claims", (), {"username": u"alice"})()


def app_with_upload(max_size=1000):
    openfire = openfire_with_users()
    service = MemoryUploadService(openfire.xmpp_domain(), max_size)
    openfire.xmpp.iq.add_component(service)
    return services(openfire), service


def ask(app, name, size, content_type=None):
    request = FakeRequest(app, CLAIMS, {"fileName": name, "fileSize": size})
    request.query = lambda key, default=None: content_type if key == "contentType" else default
    return lambda: get_upload_slot(request)


def test_a_slot_comes_from_the_service_found_by_discovery():
    app, service = app_with_upload()
    slot = ask(app, u"photo.jpg", "999", "image/jpeg")()
    assert slot["putUrl"].startswith(service.base_url) and slot["putUrl"].endswith("/photo.jpg"), \
        "slot %r" % slot
    assert slot["getUrl"] == slot["putUrl"], "get %r" % slot
    assert slot["headers"] == {"Authorization": "Basic c2xvdA=="}, \
        "only XEP-0363's headers pass: %r" % slot["headers"]
    session = app.sessions.get_or_start(u"alice")
    assert session.pending_requests() == 0, "requests left waiting"


def test_a_file_over_the_limit_is_413_with_the_limit_before_asking_for_a_slot():
    app, _ = app_with_upload(max_size=1000)
    error = raised(ask(app, u"big.bin", "1001"))
    assert isinstance(error, PayloadTooLarge) and error.status == 413, "got %r" % error
    assert error.body()["maxFileSize"] == 1000 and "1000" in error.message, "%r" % error.body()


def test_without_an_upload_service_the_answer_is_501_naming_the_plugin():
    app = services(openfire_with_users())
    error = raised(ask(app, u"photo.jpg", "10"))
    assert error is not None and error.status == 501, "got %r" % error
    assert "HTTP File Upload plugin" in error.message, error.message


def test_bad_names_and_sizes_are_400_before_anything_is_sent():
    app, _ = app_with_upload()
    for name, size, kind in ((u"a.txt", "0", None), (u"a.txt", "-5", None),
                             (u"a.txt", "1e3", None), (u"a.txt", "99999999999999999", None),
                             (u"", "10", None), (u"x" * 256, "10", None),
                             (u"bad\u0001.txt", "10", None), (u"a.txt", "10", "no-slash"),
                             (u"a.txt", "10", "text/plain\r\nX: y")):
        error = raised(ask(app, name, size, kind))
        assert isinstance(error, BadRequest), "%r %r %r: %r" % (name[:20], size, kind, error)


def test_the_services_own_refusal_maps_to_4xx_with_the_condition():
    app, service = app_with_upload()
    service.answer = lambda type, query: ("error", "auth", "forbidden") \
        if query.getLocalName() == "request" else MemoryUploadService.answer(service, type, query)
    error = raised(ask(app, u"a.txt", "10"))
    assert error is not None and error.status == 403 and "forbidden" in error.message, \
        "got %r" % error


# --- discovery is remembered per domain, and forgotten when the service goes -----------------

def count_discovery(app):
    """Counts the disco#items queries the in-memory server answers (one per discovery)."""
    server = app.openfire.xmpp.iq
    asked = []
    original = server.answer

    def answer(sender, stanza):
        if iq.NS_DISCO_ITEMS in stanza.get_xml():
            asked.append(stanza.recipient)
        return original(sender, stanza)
    server.answer = answer
    return asked


def clocked_app_with_upload(max_size=1000):
    clock = Clock()
    openfire = openfire_with_users()
    service = MemoryUploadService(openfire.xmpp_domain(), max_size)
    openfire.xmpp.iq.add_component(service)
    return services(openfire, clock), service, clock


def test_many_slots_discover_the_service_once_a_minute():
    app, service, clock = clocked_app_with_upload()
    asked = count_discovery(app)
    for _ in range(5):
        assert ask(app, u"a.txt", "10")()["putUrl"].startswith(service.base_url), "no slot"
    assert len(asked) == 1, "discovery repeated for every slot: %r" % asked
    clock.advance(61)
    ask(app, u"a.txt", "10")()
    assert len(asked) == 2, "discovery not repeated after a minute: %r" % asked


def test_a_remembered_service_that_went_away_is_a_501_at_once():
    app, service, _ = clocked_app_with_upload()
    ask(app, u"a.txt", "10")()
    app.openfire.xmpp.iq.remove_component(service)      # the plugin unloaded
    error = raised(ask(app, u"a.txt", "10"))
    assert error is not None and error.status == 501, "a vanished service must be 501: %r" % error
    session = app.sessions.get_or_start(u"alice")
    assert session.pending_requests() == 0, "requests left waiting"


def test_a_service_that_moved_is_found_again_in_the_same_request():
    app, service, _ = clocked_app_with_upload(max_size=1000)
    ask(app, u"a.txt", "10")()
    app.openfire.xmpp.iq.remove_component(service)
    moved = MemoryUploadService(app.openfire.xmpp_domain(), 5000,
                                base_url="https://files.example.test/up")
    moved.jid = u"upload." + app.openfire.xmpp_domain()
    app.openfire.xmpp.iq.add_component(moved)
    slot = ask(app, u"b.txt", "10")()
    assert slot["putUrl"].startswith(moved.base_url), "slot from the old service: %r" % slot


def test_the_services_refusal_of_one_slot_does_not_forget_the_service():
    app, service, _ = clocked_app_with_upload(max_size=1000)
    asked = count_discovery(app)
    ask(app, u"a.txt", "10")()
    service.answer = lambda type, query: ("error", "auth", "forbidden") \
        if query.getLocalName() == "request" else MemoryUploadService.answer(service, type, query)
    error = raised(ask(app, u"a.txt", "10"))
    assert error is not None and error.status == 403, "got %r" % error
    assert len(asked) == 1, "a refusal must not cost a new discovery: %r" % asked


def test_a_raised_limit_counts_within_seconds():
    app, service, clock = clocked_app_with_upload(max_size=1000)
    ask(app, u"a.txt", "10")()
    service.max_size = 5000                     # the administrator raised the plugin's limit
    clock.advance(11)
    slot = ask(app, u"b.txt", "2000")()
    assert slot["putUrl"].startswith(service.base_url), "slot %r" % slot
    error = raised(ask(app, u"c.txt", "5001"))
    assert error is not None and error.status == 413 and error.body()["maxFileSize"] == 5000, \
        "the new limit must be told: %r" % error


class StandIn(object):
    """A user's session that passes everything to a real one, except what ``intercept``
    answers (by raising, or by returning an answer)."""

    def __init__(self, username, real, intercept):
        self.username = username
        self.jid = u"%s@example.test/sparkweb" % username
        self._real, self._intercept = real, intercept

    def ask(self, type, recipient, child_xml, seconds=None):
        answer = self._intercept(recipient, child_xml, seconds)
        return answer if answer is not None else self._real.ask(type, recipient, child_xml,
                                                                seconds)


def silent_for_slots(service):
    def intercept(recipient, child_xml, seconds):
        if recipient == service.jid and "<request" in child_xml:
            raise ServiceUnavailable("The XMPP server did not answer in time.")
    return intercept


def test_a_service_that_does_not_answer_two_users_is_looked_for_again_next_time():
    app, service, _ = clocked_app_with_upload()
    asked = count_discovery(app)
    ask(app, u"a.txt", "10")()
    session = app.sessions.get_or_start(u"alice")
    for username in (u"carol", u"dave"):
        silent = StandIn(username, session, silent_for_slots(service))
        error = raised(lambda: request_slot(app.uploads, silent, u"a.txt", 10))
        assert isinstance(error, ServiceUnavailable), "got %r" % error
    ask(app, u"a.txt", "10")()
    assert len(asked) == 2, "a service that did not answer must be looked for again: %r" % asked


def test_one_users_session_without_answers_does_not_make_others_look_again():
    # Review S6-14-2: mallory's session drops the service's answers (a privacy list of her
    # own); that is no reason for anyone else's upload to rediscover, and fail with her.
    app, service, _ = clocked_app_with_upload()
    asked = count_discovery(app)
    ask(app, u"a.txt", "10")()
    mallory = StandIn(u"mallory", app.sessions.get_or_start(u"alice"), silent_for_slots(service))
    for _ in range(3):
        error = raised(lambda: request_slot(app.uploads, mallory, u"m.txt", 10))
        assert isinstance(error, ServiceUnavailable), "got %r" % error
    slot = ask(app, u"a.txt", "10")()
    assert slot["putUrl"].startswith(service.base_url), "alice got no slot: %r" % slot
    assert len(asked) == 1, "one user's silence forgot the service: %r" % asked


def test_a_discoverers_own_failure_is_not_handed_to_waiting_users():
    # Review S6-14-1: alice's session ends while she discovers; bob, waiting for her
    # discovery, must discover with his own session, never be told alice's session ended.
    app, service, _ = clocked_app_with_upload()
    real = app.sessions.get_or_start(u"alice")
    entered, release = CountDownLatch(1), CountDownLatch(1)

    def ends_during_discovery(recipient, child_xml, seconds):
        entered.countDown()
        getattr(release, "await")(10, TimeUnit.SECONDS)
        raise SessionEnded(u"alice")
    alice = StandIn(u"alice", real, ends_during_discovery)
    bob = StandIn(u"bob", real, lambda recipient, child_xml, seconds: None)
    pool = Executors.newFixedThreadPool(2)
    waiting, original_outcome = CountDownLatch(1), upload._Discovery.outcome

    def counted_outcome(discovery):       # only a request waiting for another's discovery
        waiting.countDown()
        return original_outcome(discovery)
    upload._Discovery.outcome = counted_outcome
    try:
        alices = pool.submit(AskSlot(lambda: raised(lambda: app.uploads.find(alice))))
        assert getattr(entered, "await")(10, TimeUnit.SECONDS), "alice's discovery did not start"
        bobs = pool.submit(AskSlot(lambda: app.uploads.find(bob)))
        assert getattr(waiting, "await")(10, TimeUnit.SECONDS), "bob never waited for alice"
        release.countDown()
        assert isinstance(alices.get(10, TimeUnit.SECONDS), SessionEnded), "alice's own error"
        found = bobs.get(10, TimeUnit.SECONDS)
        assert found[0] == service.jid, "bob must find the service himself: %r" % (found,)
    finally:
        upload._Discovery.outcome = original_outcome
        release.countDown()
        pool.shutdownNow()


def test_an_item_that_does_not_answer_is_skipped():
    # Review S6-14-3: a hung component listed by the server must not hide the upload service.
    app, service, _ = clocked_app_with_upload()
    domain = app.openfire.xmpp_domain()
    app.openfire.xmpp.iq.remove_component(service)
    service.jid = u"upload." + domain
    app.openfire.xmpp.iq.add_component(service)
    hung = MemoryUploadService(domain, 1)       # named like the plugin, so asked first
    app.openfire.xmpp.iq.add_component(hung)
    waits = []

    def hung_component(recipient, child_xml, seconds):
        if recipient == hung.jid:
            waits.append(seconds)
            raise ServiceUnavailable("The XMPP server did not answer in time.")
    session = StandIn(u"alice", app.sessions.get_or_start(u"alice"), hung_component)
    jid, limit, _ = app.uploads.find(session)
    assert (jid, limit) == (service.jid, 1000), "found %r" % ((jid, limit),)
    assert waits == [upload.ITEM_WAIT_SECONDS], "a hung item gets a short wait: %r" % waits


def test_only_silent_items_is_a_503_not_a_missing_plugin():
    app = services(openfire_with_users())
    hung = MemoryUploadService(app.openfire.xmpp_domain(), 1)
    app.openfire.xmpp.iq.add_component(hung)

    def hung_component(recipient, child_xml, seconds):
        if recipient == hung.jid:
            raise ServiceUnavailable("The XMPP server did not answer in time.")
    session = StandIn(u"alice", app.sessions.get_or_start(u"alice"), hung_component)
    error = raised(lambda: app.uploads.find(session))
    assert isinstance(error, ServiceUnavailable) and hung.jid in error.message, \
        "got %r" % error


def test_files_over_the_limit_do_not_make_every_request_a_discovery():
    app, service, clock = clocked_app_with_upload(max_size=1000)
    asked = count_discovery(app)
    ask(app, u"a.txt", "10")()
    for _ in range(5):
        error = raised(ask(app, u"big.bin", "5000"))
        assert error is not None and error.status == 413, "got %r" % error
    ask(app, u"a.txt", "10")()
    assert len(asked) == 1, "oversized files forced discoveries: %r" % asked
    clock.advance(11)
    for _ in range(5):
        raised(ask(app, u"big.bin", "5000"))
    assert len(asked) == 2, "one look again in ten seconds, not more: %r" % asked


def test_a_failed_look_again_still_answers_413_and_waits_ten_seconds():
    # Review S6-14-4: the recheck of a file over the limit is at most every 10 s even when
    # the look fails, and that file is told the remembered limit, not the failure.
    app, service, clock = clocked_app_with_upload(max_size=1000)
    ask(app, u"a.txt", "10")()
    looks = []

    def no_discovery(recipient, child_xml, seconds):
        if iq.NS_DISCO_ITEMS in child_xml:
            looks.append(recipient)
            raise ServiceUnavailable("The XMPP server did not answer in time.")
    session = StandIn(u"alice", app.sessions.get_or_start(u"alice"), no_discovery)
    clock.advance(11)
    for _ in range(4):
        error = raised(lambda: request_slot(app.uploads, session, u"big.bin", 5000))
        assert error is not None and error.status == 413, "got %r" % error
    assert len(looks) == 1, "a failed look again must wait ten seconds too: %r" % looks


class AskSlot(Callable):
    def __init__(self, ask_slot):
        self._ask_slot = ask_slot

    def call(self):
        return self._ask_slot()


def at_once_with_slow_discovery(app, call, millis):
    """The results of 8 threads calling ``call`` at once while each discovery takes
    ``millis``, and the discoveries made."""
    server = app.openfire.xmpp.iq
    asked = []
    original = server.answer

    def slow_discovery(sender, stanza):
        if iq.NS_DISCO_ITEMS in stanza.get_xml():
            asked.append(sender)
            Thread.sleep(millis)        # keeps the discovery running while others arrive
        return original(sender, stanza)
    server.answer = slow_discovery
    pool = Executors.newFixedThreadPool(8)
    try:
        futures = [pool.submit(AskSlot(call)) for _ in range(8)]
        return [future.get(60, TimeUnit.SECONDS) for future in futures], asked
    finally:
        pool.shutdownNow()


def test_requests_arriving_during_a_discovery_take_its_result():
    app, service, _ = clocked_app_with_upload()
    slots, asked = at_once_with_slow_discovery(app, ask(app, u"a.txt", "10"), 300)
    assert all(slot["putUrl"].startswith(service.base_url) for slot in slots), "no slot"
    assert len(asked) == 1, "%d discoveries for 8 requests at once" % len(asked)


def test_without_a_service_requests_at_once_share_one_discovery_and_its_501():
    app = services(openfire_with_users())
    errors, asked = at_once_with_slow_discovery(
        app, lambda: raised(ask(app, u"a.txt", "10")), 1000)
    assert all(error is not None and error.status == 501 for error in errors), \
        "every request is told there is no service: %r" % errors
    assert len(asked) <= 3, "%d discoveries, one after another, for 8 requests" % len(asked)


def test_a_service_that_times_out_is_a_503_not_a_missing_plugin():
    app, service, _ = clocked_app_with_upload()
    service.answer = lambda type, query: ("error", "wait", "remote-server-timeout") \
        if query.getLocalName() == "request" else MemoryUploadService.answer(service, type, query)
    error = raised(ask(app, u"a.txt", "10"))
    assert error is not None and error.status == 503, "got %r" % error
    assert "remote-server-timeout" in error.message, error.message


# --- slots on SparkWeb's own origin (an uploaded HTML file would run script as the user) -----

WEB_URLS = (u"http://chat.example.test:7070", u"https://chat.example.test:7443")


def same_origin_app(base_url, web_urls=WEB_URLS):
    openfire = MemoryOpenfire(u"example.test", web_urls=web_urls)
    openfire.add_user(u"alice", u"alice-pw")
    openfire.xmpp.iq.add_component(MemoryUploadService(openfire.xmpp_domain(), 1000, base_url))
    return services(openfire)


def ask_from(app, host=None):
    request = FakeRequest(app, CLAIMS, {"fileName": u"cat.html", "fileSize": "72"})
    request.query = lambda key, default=None: u"text/html" if key == "contentType" else default
    request.header = lambda name: host if name == "Host" else None
    return lambda: get_upload_slot(request)


def assert_refused(error, context):
    assert isinstance(error, UploadSameOrigin) and error.status == 503, \
        "%s: a same-origin slot must be refused, got %r" % (context, error)
    assert error.body()["error"] == "upload_same_origin", "%s: %r" % (context, error.body())
    for key in ("plugin.httpfileupload.announcedWebHost",
                "plugin.httpfileupload.announcedWebPort",
                "plugin.httpfileupload.announcedWebProtocol", "sparkweb.upload.allowSameOrigin"):
        assert key in error.message, "%s: the message must name %s: %s" % (context, key,
                                                                          error.message)


def test_a_slot_on_openfires_web_addresses_is_refused_in_every_spelling():
    for base_url in (u"http://chat.example.test:7070/httpfileupload",
                     u"HTTPS://Chat.Example.TEST:7443/httpfileupload",
                     u"https://chat.example.test:7443"):
        assert_refused(raised(ask_from(same_origin_app(base_url))), base_url)


def test_loopback_spellings_are_one_host_and_default_ports_count():
    loopback = (u"http://localhost:7070", u"https://localhost:7443")
    for base_url in (u"http://127.0.0.1:7070/httpfileupload", u"http://[::1]:7070/up",
                     u"http://LOCALHOST:7070/up"):
        assert_refused(raised(ask_from(same_origin_app(base_url, loopback))), base_url)
    app = same_origin_app(u"https://chat.example.test/files", (u"https://chat.example.test",))
    assert_refused(raised(ask_from(app)), "default port 443")


def test_the_requests_own_origin_and_configured_page_origins_are_refused():
    app = same_origin_app(u"https://proxy.example.test/httpfileupload")
    assert_refused(raised(ask_from(app, u"proxy.example.test")), "the Host the page came to")
    for setting in (config.WEBAUTHN_ORIGINS, config.CORS_ORIGINS):
        app = same_origin_app(u"https://pages.example.test:8443/httpfileupload")
        app.settings.set(setting, u"https://pages.example.test:8443")
        assert_refused(raised(ask_from(app, u"chat.example.test:7443")), setting.key)


def test_a_slot_on_another_host_port_or_scheme_is_handed_out():
    for base_url in (u"https://files.example.test/httpfileupload",
                     u"http://chat.example.test:7071/httpfileupload",
                     u"https://chat.example.test:7070/httpfileupload"):
        slot = ask_from(same_origin_app(base_url), u"chat.example.test:7443")()
        assert slot["putUrl"].startswith(base_url) and slot["getUrl"].startswith(base_url), \
            "%s: %r" % (base_url, slot)


def test_only_the_get_url_on_our_origin_is_refused_too():
    app = same_origin_app(u"https://files.example.test")
    slot = {"putUrl": u"https://files.example.test/a", "getUrl": u"http://chat.example.test:7070/a",
            "headers": {}}
    assert_refused(raised(lambda: check_slot(slot, app.settings, app.openfire)), "getUrl only")
    slot = dict(slot, getUrl=u"file:///etc/passwd")
    error = raised(lambda: check_slot(slot, app.settings, app.openfire))
    assert error is not None and error.status == 503, "a non-http slot: %r" % error


def test_an_administrator_can_allow_same_origin_slots_explicitly():
    app = same_origin_app(u"http://chat.example.test:7070/httpfileupload")
    assert app.settings.get(config.UPLOAD_ALLOW_SAME_ORIGIN) is False, "must default to off"
    app.settings.set(config.UPLOAD_ALLOW_SAME_ORIGIN, u"true")
    slot = ask_from(app)()
    assert slot["getUrl"].startswith(u"http://chat.example.test:7070/"), "allowed: %r" % slot


def test_an_answer_from_another_account_with_the_requests_id_is_not_taken():
    """Disco and slot requests share the session's one IQ mechanism (session.requests): only
    the address asked, the server or the user's own account may answer. A forged error from
    another user carrying the right id arrives first here, and the real answer still counts."""
    app, service = app_with_upload()
    session = app.sessions.get_or_start(u"alice")
    xmpp = session._xmpp
    original_send = xmpp.send

    def send_with_a_forgery_first(stanza):
        if stanza.kind == "iq" and stanza.type == "get":
            forged = model.Stanza("iq", type="error", id=stanza.id, error=u"not-allowed",
                                  sender=u"bob@%s/x" % app.openfire.xmpp_domain(),
                                  recipient=xmpp.jid)
            forged.xml = (u"<iq type='error' id='%s'><error type='cancel'><not-allowed "
                          u"xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>" % stanza.id)
            session.on_stanza(forged)
        return original_send(stanza)
    xmpp.send = send_with_a_forgery_first
    slot = ask(app, u"photo.jpg", "999", "image/jpeg")()
    assert slot["putUrl"].startswith(service.base_url), "the forged answer was taken: %r" % slot
    assert session.pending_requests() == 0, "requests left waiting"


def test_slots_per_user_and_minute_then_429_with_retry_after():
    app, _ = app_with_upload()
    app.settings.set(config.UPLOAD_PER_MINUTE, "3")
    for number in range(3):
        ask(app, u"f%d.txt" % number, "5")()
    refused = raised(ask(app, u"one-more.txt", "5"))
    assert refused is not None and refused.status == 429, repr(refused)
    assert int(refused.headers["Retry-After"]) >= 1, refused.headers
    other = FakeRequest(app, type("Claims", (), {"username": u"bob"})(),
                        {"fileName": u"b.txt", "fileSize": "5"})
    other.query = lambda key, default=None: default
    assert get_upload_slot(other)["putUrl"], "bob limited by alice"
    bad = raised(ask(app, u"bad.txt", "-1"))
    assert bad is not None and bad.status == 400, "bad input is 400 even past the limit: %r" % bad


def test_a_look_again_after_the_service_was_forgotten_finds_it_without_hanging():
    # Review S6-R-9: recheck() called find() while holding the lock find() takes: a service
    # forgotten between a request's find and its recheck hung that thread, and every later
    # upload of every user behind it.
    app, service, clock = clocked_app_with_upload(max_size=1000)
    ask(app, u"a.txt", "10")()
    session = app.sessions.get_or_start(u"alice")
    app.uploads.forget(session, service.jid)      # the plugin unloaded, another request saw it
    found = in_thread(lambda: app.uploads.recheck(session), timeout=5)
    assert found[0] == service.jid, "found %r" % (found,)
