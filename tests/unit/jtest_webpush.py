"""Web Push against the in-memory Openfire: subscriptions (validation, replacement, limit),
the sender's answers to push-service statuses (sent, pruned, retried, dropped), automatic
pushes (no visible page, mentions, opt-out, offline storage) and publish's authorization.
The real protocol (encryption, VAPID JWT) is checked end to end in tests/http/test_webpush.py."""
from __future__ import absolute_import

import time

from java.lang import String
from java.util.concurrent import CountDownLatch, LinkedBlockingQueue, TimeUnit

from sparkweb import config
from sparkweb.errors import (BadRequest, Conflict, Forbidden, ServiceUnavailable,
                             TooManyRequests)
from sparkweb.outbound import urls
from sparkweb.outbound.client import OutboundClient
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.push import crypto, publishing, subscriptions
from sparkweb.push.encryption import MAX_PAYLOAD_BYTES
from sparkweb.push.notifications import Notification
from sparkweb.push.sender import PushAnswer, PushSender, retry_delay_seconds
from sparkweb.services import build_services
from sparkweb.xmpp.stanza import Stanza

from support import Clock, openfire_with_users, raised, services

WAIT_SECONDS = 20


def browser_keys():
    public, _ = crypto.generate_key_pair()
    return {"p256dh": crypto.b64url(public),
            "auth": crypto.b64url(String("0123456789abcdef").getBytes())}


def body(endpoint="https://push.example/abc", **extra):
    value = {"endpoint": endpoint, "keys": browser_keys(), "expirationTime": None}
    value.update(extra)
    return value


class Transport(object):
    """A push service stand-in: answers the queued statuses (then 201) and records requests."""

    def __init__(self, *statuses):
        self.answers = list(statuses)
        self.requests = LinkedBlockingQueue()

    def __call__(self, url, headers, body_bytes):
        answer = self.answers.pop(0) if self.answers else PushAnswer(201)
        self.requests.put((url, dict(headers), body_bytes))
        return answer

    def next(self):
        request = self.requests.poll(WAIT_SECONDS, TimeUnit.SECONDS)
        assert request is not None, "no push request within %d s" % WAIT_SECONDS
        return request

    def nothing_more(self, seconds=1):
        return self.requests.poll(seconds, TimeUnit.SECONDS) is None


def app_with(transport, clock=None):
    openfire = openfire_with_users()
    openfire.add_contacts(u"alice", u"bob")
    app = build_services(openfire, clock or Clock(), push_transport=transport)
    return openfire, app


def subscribe(app, username, device, endpoint):
    record = subscriptions.parse(body(endpoint), username, device, app.settings,
                                 app.webpush.clock())   # not older than the account (13-10)
    subscriptions.store(app.openfire, app.settings, record)
    return record


# --- subscriptions ------------------------------------------------------------------------
def test_a_browser_subscription_is_accepted_and_listed_without_keys():
    openfire, app = app_with(Transport())
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        mine = openfire.push_subscriptions(u"alice")
        assert [s.device for s in mine] == [u"laptop"], "stored: %r" % mine
        shown = subscriptions.describe(mine[0])
        assert "p256dh" not in shown and "auth" not in shown, "keys shown: %r" % shown
        assert openfire.push_subscriptions(u"bob") == [], "bob sees alice's subscription"
    finally:
        app.webpush.stop()


def test_malformed_subscriptions_are_refused_with_400():
    openfire, app = app_with(Transport())
    try:
        bad = [body(u"http://push.example/1"), body(u"https://user:pw@push.example/1"),
               body(u"ftp://push.example/1"), body(u"https:///nohost"), body(u"not a url"),
               body(u"https://push.example/" + u"a" * 1000), body(expirationTime=u"soon"),
               dict(body(), keys={"p256dh": u"AAAA", "auth": browser_keys()["auth"]}),
               dict(body(), keys={"p256dh": browser_keys()["p256dh"], "auth": u"AAAA"}),
               dict(body(), keys={"p256dh": u"B" + u"A" * 86, "auth": browser_keys()["auth"]}),
               dict(body(), keys=None), dict(body(), endpoint=42)]
        for value in bad:
            error = raised(lambda: subscriptions.parse(value, u"alice", u"x", app.settings, 1))
            assert isinstance(error, BadRequest), "accepted %r: %r" % (value, error)
    finally:
        app.webpush.stop()


def test_endpoints_are_read_by_the_parser_the_sender_uses():
    """An endpoint java.net.URI reads but the outbound client's parser refuses (a port out of
    range) was stored, and every push to it then failed; one parser decides both now."""
    openfire, app = app_with(Transport())
    try:
        for endpoint in (u"https://push.example:99999/p", u"https://push.example:0/p",
                         u"https://push.example:65536/p", u"https://push.example:8x/p",
                         u"https://push.example/p#fragment"):
            error = raised(lambda: subscriptions.parse(body(endpoint), u"alice", u"x",
                                                       app.settings, 1))
            assert isinstance(error, BadRequest), "accepted %r: %r" % (endpoint, error)
        record = subscriptions.parse(body(u"https://push.example:8443/p?x=1"), u"alice", u"x",
                                     app.settings, 1)
        target = urls.parse(record.endpoint)
        assert (target.host, target.port, target.path) == ("push.example", 8443, "/p?x=1"), \
            "the sender reads %r" % target.url
    finally:
        app.webpush.stop()


def test_a_dns_server_that_does_not_answer_is_503_not_a_hung_request():
    stuck = CountDownLatch(1)

    def resolve(name):
        stuck.await(20, TimeUnit.SECONDS)
        return []
    openfire, app = app_with(Transport())
    app.settings.set(config.OUTBOUND_CONNECT_SECONDS, "1")
    policy = OutboundClient(app.settings, resolve=resolve).policy()
    try:
        error = raised(lambda: subscriptions.parse(body(u"https://slow-dns.example/p"),
                                                   u"alice", u"x", app.settings, 1, policy))
        assert isinstance(error, ServiceUnavailable), "a stuck lookup gave %r" % error
    finally:
        stuck.countDown()
        app.webpush.stop()


def test_device_names_and_endpoints_are_limited_in_utf8_bytes_as_the_columns_are():
    """findings-13 13-6: Oracle and DB2 columns count bytes; 100 non-ASCII characters passed
    the check and were a database error (503) there."""
    assert subscriptions.device_name(u"\u00fc" * 50) == u"\u00fc" * 50, "50 umlauts refused"
    error = raised(lambda: subscriptions.device_name(u"\u00fc" * 100))
    assert isinstance(error, BadRequest), "100 umlauts (200 bytes) accepted: %r" % error
    openfire, app = app_with(Transport())
    try:
        endpoint = u"https://push.example/" + u"\u00e9" * 600    # 621 characters, 1221 bytes
        error = raised(lambda: subscriptions.parse(body(endpoint), u"alice", u"x",
                                                   app.settings, 1))
        assert isinstance(error, BadRequest), "a 1221-byte endpoint accepted: %r" % error
    finally:
        app.webpush.stop()


def test_plain_http_only_for_allow_listed_hosts():
    openfire, app = app_with(Transport())
    try:
        openfire.set_property(config.WEBPUSH_HTTP_HOSTS.key, u"127.0.0.1")
        record = subscriptions.parse(body(u"http://127.0.0.1:8/p"), u"alice", u"x",
                                     app.settings, 1)
        assert record.endpoint == u"http://127.0.0.1:8/p", "allow-listed http refused"
        error = raised(lambda: subscriptions.parse(body(u"http://localhost:8/p"), u"alice",
                                                   u"x", app.settings, 1))
        assert isinstance(error, BadRequest), "http to a host not listed accepted"
    finally:
        app.webpush.stop()


def test_same_endpoint_or_device_replaces_and_the_limit_holds():
    openfire, app = app_with(Transport())
    try:
        openfire.set_property(config.WEBPUSH_MAX_SUBSCRIPTIONS.key, u"2")
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        subscribe(app, u"alice", u"laptop", u"https://push.example/2")     # same device
        subscribe(app, u"alice", u"phone", u"https://push.example/2")      # same endpoint
        assert [s.device for s in openfire.push_subscriptions(u"alice")] == [u"phone"], \
            "replacement failed: %r" % openfire.push_subscriptions(u"alice")
        subscribe(app, u"alice", u"laptop", u"https://push.example/3")
        error = raised(lambda: subscribe(app, u"alice", u"tablet", u"https://push.example/4"))
        assert isinstance(error, Conflict), "a third subscription beyond the limit: %r" % error
        # findings-13 13-3: bob knowing alice's endpoint, but not her browser's keys, must not
        # take it over (that silently ended her subscription).
        error = raised(lambda: subscribe(app, u"bob", u"pc", u"https://push.example/3"))
        assert isinstance(error, Conflict), "bob took alice's endpoint with other keys: %r" % error
        assert len(openfire.push_subscriptions(u"alice")) == 2, "alice lost her subscription"
        laptop = [s for s in openfire.push_subscriptions(u"alice") if s.device == u"laptop"][0]
        same_browser = {"endpoint": laptop.endpoint, "expirationTime": None,
                        "keys": {"p256dh": laptop.p256dh, "auth": laptop.auth}}
        subscriptions.store(openfire, app.settings, subscriptions.parse(
            same_browser, u"bob", u"pc", app.settings, 1))   # the browser moves to bob
        assert [s.device for s in openfire.push_subscriptions(u"alice")] == [u"phone"], \
            "the endpoint stayed with alice"
    finally:
        app.webpush.stop()


# --- sending ------------------------------------------------------------------------------
def test_every_subscription_gets_an_encrypted_signed_request():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        subscribe(app, u"alice", u"phone", u"https://push2.example/2")
        assert app.webpush.sender.send_to_user(u"alice", Notification(u"T", u"B", "chat",
                                                                      tag=u"chat:bob")), "dropped"
        urls = sorted([transport.next()[0], transport.next()[0]])
        assert urls == [u"https://push.example/1", u"https://push2.example/2"], urls
    finally:
        app.webpush.stop()


def test_410_removes_the_subscription_and_404_too():
    transport = Transport(PushAnswer(410), PushAnswer(404))
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        subscribe(app, u"alice", u"phone", u"https://push.example/2")
        app.webpush.sender.send_to_user(u"alice", Notification(u"T", u"B", "chat"))
        transport.next()
        transport.next()
        app.webpush.sender.stop()   # waits for the workers: their deletes are done
        assert openfire.push_subscriptions(u"alice") == [], "gone subscriptions kept"
        assert app.webpush.sender.counts()["pruned"] == 2, app.webpush.sender.counts()
    finally:
        app.webpush.stop()


def test_429_is_retried_after_retry_after_and_then_sent():
    transport = Transport(PushAnswer(429, u"1"), PushAnswer(503))
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        app.webpush.sender.send_to_user(u"alice", Notification(u"T", u"B", "chat"))
        for _ in range(3):
            transport.next()
        counts = app.webpush.sender.counts()
        assert counts["retried"] == 2, "retries: %r" % counts
        assert len(openfire.push_subscriptions(u"alice")) == 1, "retried subscription removed"
    finally:
        app.webpush.stop()


def test_a_retry_is_not_sent_to_a_subscription_deleted_meanwhile():
    """findings-13 13-2: a notification retried after a 5xx reached the device its user had
    unsubscribed (signed out of a shared computer) seconds before."""
    transport = Transport(PushAnswer(503))
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        app.webpush.sender.send_to_user(u"alice", Notification(u"T", u"secret", "chat"))
        transport.next()                                   # the first attempt: 503
        assert openfire.delete_push_subscription(u"alice", device=u"laptop"), "not deleted"
        retried = transport.requests.poll(8, TimeUnit.SECONDS)   # the retry is due after 1 s
        assert retried is None, "the retry went to the deleted subscription: %r" % (retried,)
        counts = app.webpush.sender.counts()
        assert counts["retried"] == 1 and counts["unsubscribed"] == 1, \
            "the retry was not found unsubscribed: %r" % counts
    finally:
        app.webpush.stop()


def test_a_deleted_accounts_subscriptions_never_reach_a_new_account_of_that_name():
    """findings-13 13-10 / A11: a re-created user's pushes went to the deleted user's devices."""
    transport = Transport()
    openfire, app = app_with(transport)
    undo = app.webpush.listen()
    try:
        subscribe(app, u"bob", u"phone", u"https://push.example/old-owner")
        openfire.delete_user(u"bob")
        openfire.add_user(u"bob", u"new-bob-pw")
        assert openfire.push_subscriptions(u"bob") == [], \
            "the new bob has the old bob's devices: %r" % openfire.push_subscriptions(u"bob")
    finally:
        undo()
        app.webpush.stop()


def test_retry_delays_grow_and_honour_retry_after():
    assert [retry_delay_seconds(n, None) for n in range(4)] == [1, 2, 4, 8], "not exponential"
    assert retry_delay_seconds(0, u"30") == 30, "Retry-After ignored"
    assert retry_delay_seconds(0, u"Wed, 21 Oct 2015 07:28:00 GMT") == 1, "date not tolerated"
    assert retry_delay_seconds(0, u"99999") == 300, "no upper bound"


def test_a_full_queue_drops_and_counts_without_blocking():
    release = CountDownLatch(1)

    def stuck(url, headers, body_bytes):
        getattr(release, "await")(WAIT_SECONDS, TimeUnit.SECONDS)   # a keyword in Python 3 tools
        return PushAnswer(201)
    openfire = openfire_with_users()
    openfire.set_property(config.WEBPUSH_THREADS.key, u"1")
    openfire.set_property(config.WEBPUSH_QUEUE.key, u"10")
    app = build_services(openfire, Clock(), push_transport=stuck)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        sender = app.webpush.sender
        results = [sender.send_to_user(u"alice", Notification(u"T", u"B", "chat"))
                   for _ in range(30)]
        # 1 sending, 10 waiting; the rest dropped by the pool's queue or by the waiting lanes
        deadline = time.time() + WAIT_SECONDS
        while sender.counts()["dropped"] < 19 and time.time() < deadline:
            time.sleep(0.02)
        assert sender.counts()["dropped"] >= 19, "the bounded queue took more: %r" % (
            sender.counts(),)
        assert sender.counts()["dropped"] >= results.count(False), sender.counts()
    finally:
        release.countDown()
        app.webpush.stop()


def test_the_payload_is_cut_to_what_push_services_take():
    payload = Notification(u"T", u"\u00e9" * 10000, "chat", tag=u"t").payload_bytes()
    assert len(payload) <= MAX_PAYLOAD_BYTES, "payload of %d bytes" % len(payload)
    assert len(payload) > MAX_PAYLOAD_BYTES - 64, "cut far too much: %d" % len(payload)


# --- automatic pushes ---------------------------------------------------------------------
class Stream(object):
    raw = False

    def __init__(self, hidden=False):
        self.id = u"s1"
        self.hidden = hidden
        self.closed = False

    def offer(self, event):
        pass

    def close(self):
        self.closed = True


def chat(body_text=u"hello alice", sender=u"bob@example.test/phone", type="chat"):
    return Stanza("message", type=type, sender=sender, recipient=u"alice@example.test/sparkweb",
                  body=body_text)


def test_a_chat_message_is_pushed_only_without_a_visible_page():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        session = app.sessions.get_or_start(u"alice")
        stream = Stream()
        session.attach(stream)
        session.on_stanza(chat(u"seen on the page"))
        assert transport.nothing_more(), "pushed although a page was visible"
        session.set_stream_hidden(u"s1", True)
        session.on_stanza(chat(u"while hidden"))
        url, headers, _ = transport.next()
        assert headers.get("Urgency") == u"high", "headers: %r" % headers
        assert headers.get("Topic"), "no Topic header: %r" % headers
        session.detach(stream)
        session.on_stanza(chat(u"no stream"))
        transport.next()
    finally:
        app.webpush.stop()


def test_notification_fields_use_the_roster_name_and_the_neutral_text_setting():
    openfire, app = app_with(Transport())
    try:
        automatic = app.webpush.automatic
        note = automatic.notification(u"alice", "chat", chat(u"the secret"))
        assert (note.title, note.body, note.tag) == (u"bob@example.test (Bob)", u"the secret",
                                                     u"chat:bob@example.test"), vars(note)
        openfire.set_property(config.WEBPUSH_NEUTRAL_TEXT.key, u"true")
        note = automatic.notification(u"alice", "chat", chat(u"the secret"))
        assert note.body == u"New message", "neutral text not applied: %r" % note.body
    finally:
        app.webpush.stop()


def test_mentions_push_and_plain_room_messages_do_not():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        session = app.sessions.get_or_start(u"alice")
        room = u"lobby@conference.example.test"
        elsewhere = u"forged@conference.example.test"
        # A self-presence anyone can send does not make a room the user's (R11-12, 13-8).
        session.on_stanza(Stanza("presence", sender=elsewhere + u"/alice", xml=(
            u"<presence from='%s/alice'><x xmlns='http://jabber.org/protocol/muc#user'>"
            u"<status code='110'/></x></presence>" % elsewhere)))
        session.on_stanza(chat(u"alice, look", elsewhere + u"/mallory", "groupchat"))
        assert transport.nothing_more(), "pushed a mention from a room the user is not in"
        session.rooms.join(room, u"Ali")
        session.on_stanza(chat(u"hello everyone", room + u"/bob", "groupchat"))
        session.on_stanza(chat(u"alice is not my nick", room + u"/bob", "groupchat"))
        assert transport.nothing_more(), "pushed a room message without a mention"
        session.on_stanza(chat(u"hey ali, look", room + u"/bob", "groupchat"))
        transport.next()
        session.on_stanza(chat(u"ali talking to herself", room + u"/Ali", "groupchat"))
        assert transport.nothing_more(), "pushed the user's own room message"
    finally:
        app.webpush.stop()


def test_opted_out_users_get_no_automatic_pushes():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        openfire.set_user_property(u"alice", config.WEBPUSH_OPT_OUT_PROPERTY, u"false")
        app.sessions.get_or_start(u"alice").on_stanza(chat())
        assert transport.nothing_more(), "pushed although alice switched pushes off"
    finally:
        app.webpush.stop()


def test_automatic_pushes_from_one_sender_are_limited_like_published_ones():
    """findings-13 A2: a stranger's chat messages rang the user's devices without any limit,
    while publishing to them was 403 and 30 a minute."""
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        openfire.set_property(config.WEBPUSH_PUBLISH_PER_MINUTE.key, u"3")
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        session = app.sessions.get_or_start(u"alice")
        for number in range(10):
            session.on_stanza(chat(u"spam %d" % number, u"carol@example.test/x"))
        session.on_stanza(chat(u"from bob", u"bob@example.test/phone"))
        for _ in range(4):
            transport.next()
        assert transport.nothing_more(2), "more than 3 pushes from carol in a minute"
        assert app.webpush.sender.counts()["limited"] == 7, app.webpush.sender.counts()
    finally:
        app.webpush.stop()


def test_a_flood_of_stranger_addresses_silences_only_its_target():
    """S7-R-6: one table of (sender, recipient) for everyone refused every new pair once a
    flood of minted sender addresses to one user had filled it."""
    clock = Clock()
    settings = services(clock=clock).settings
    limits = publishing.AutomaticLimits(settings, clock, senders_per_recipient=5)
    for number in range(5):
        limits.take(u"stranger%d@spam.example" % number, u"alice")
    assert isinstance(raised(lambda: limits.take(u"stranger5@spam.example", u"alice")),
                      TooManyRequests), "a sixth new sender to alice's full table was let through"
    limits.take(u"carol@example.test", u"bob")       # another user's pushes are untouched
    limits.take(u"stranger6@spam.example", u"bob")
    clock.advance(61)                                 # the flood idle a minute: room again
    limits.take(u"stranger7@spam.example", u"alice")


def test_offline_stored_messages_are_pushed():
    transport = Transport()
    openfire, app = app_with(transport)
    undo = app.webpush.listen()
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        app.sessions.get_or_start(u"bob").send(Stanza("message", type="chat",
                                                      recipient=u"alice@example.test",
                                                      body=u"are you there?"))
        transport.next()
    finally:
        undo()
        app.webpush.stop()


# --- publish ------------------------------------------------------------------------------
def test_publish_needs_a_contact_or_an_admin_and_is_rate_limited():
    openfire, app = app_with(Transport())
    try:
        openfire.add_user(u"carol", u"carol-pw")
        publishing.check_allowed(openfire, u"bob", u"alice")      # contacts: allowed
        for sender, target in ((u"carol", u"alice"), (u"carol", u"nobody")):
            error = raised(lambda: publishing.check_allowed(openfire, sender, target))
            assert isinstance(error, Forbidden), "%s -> %s: %r" % (sender, target, error)
        openfire.set_admin(u"carol")
        publishing.check_allowed(openfire, u"carol", u"alice")
        openfire.set_property(config.WEBPUSH_PUBLISH_PER_MINUTE.key, u"2")
        limits = app.webpush.publish_limits
        limits.take(u"bob")
        limits.take(u"bob")
        error = raised(lambda: limits.take(u"bob"))
        assert isinstance(error, TooManyRequests) and error.headers.get("Retry-After"), \
            "third publish in a minute: %r" % error
        limits.take(u"carol")   # per sender
    finally:
        app.webpush.stop()


def test_publish_urls_are_paths_on_this_site():
    for url in (u"https://evil.example/", u"//evil.example/", u"javascript:alert(1)",
                u"/\\evil"):
        error = raised(lambda: publishing.notification({"body": u"x", "url": url}, u"Bob",
                                                       u"bob@example.test"))
        assert isinstance(error, BadRequest), "url %r accepted: %r" % (url, error)
    note = publishing.notification({"body": u"x", "url": u"/sparkweb/"}, u"Bob",
                                   u"bob@example.test")
    assert note.url == u"/sparkweb/", "a path refused"


def test_rotating_the_vapid_key_changes_the_public_key():
    openfire, app = app_with(Transport())
    try:
        before = app.webpush.keys.current.public_key
        assert len(crypto.b64url_decode(before)) == 65, "not an uncompressed P-256 point"
        app.rotate_vapid_key()
        assert app.webpush.keys.current.public_key != before, "rotation kept the key"
        assert openfire.encrypted_properties.containsKey(config.WEBPUSH_VAPID_PROPERTY), \
            "the key pair is not stored encrypted"
    finally:
        app.webpush.stop()


def test_invitations_are_pushed_with_the_room_that_sent_them():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        # A mediated invitation comes from the room, which names the inviter (one a user
        # sends is a forgery and dropped: attack A10).
        invite = Stanza("message", type="normal", sender=u"lobby@conference.example.test",
                        recipient=u"alice@example.test/sparkweb",
                        invite={"room": u"lobby@conference.example.test",
                                "from": u"bob@example.test/phone", "reason": None,
                                "password": None, "direct": False})
        note = app.webpush.automatic.notification(u"alice", "invitation", invite)
        assert (note.title, note.body, note.tag) == (
            u"lobby@conference.example.test", u"Invitation to lobby@conference.example.test",
            u"invitation:lobby@conference.example.test"), vars(note)
        app.sessions.get_or_start(u"alice").on_stanza(invite)
        transport.next()
    finally:
        app.webpush.stop()


# --- reviewer's findings ------------------------------------------------------------------
def test_one_corrupt_subscription_does_not_stop_delivery_to_the_others():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        openfire.save_push_subscription(PushSubscriptionRecord(
            u"alice", u"broken", u"https://push.example/0", u"not-a-key", u"x", None,
            app.webpush.clock()), 10)
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        app.webpush.sender.send_to_user(u"alice", Notification(u"T", u"B", "chat"))
        url = transport.next()[0]
        assert url == u"https://push.example/1", "sent to %r" % url
        app.webpush.sender.stop()
        assert app.webpush.sender.counts()["failed"] == 1, app.webpush.sender.counts()
    finally:
        app.webpush.stop()


def test_pending_retries_are_capped_and_the_excess_dropped_and_counted():
    transport = Transport(*([PushAnswer(503, u"300")] * 8))   # retries far beyond the test
    openfire, app = app_with(transport)
    try:
        for n in range(8):   # eight hosts: one failure each keeps every circuit breaker closed
            subscribe(app, u"alice", u"device%d" % n, u"https://push%d.example/1" % n)
        sender = app.webpush.sender
        sender.MAX_PENDING_RETRIES = 3
        sender.send_to_user(u"alice", Notification(u"T", u"B", "chat"))
        for _ in range(8):
            transport.next()
        sender.stop()   # waits for the workers: every answer judged
        counts = sender.counts()
        assert counts.get("retried") == 3, "retries %r" % counts
        assert counts.get("retry_dropped") == 5, "dropped retries %r" % counts
    finally:
        app.webpush.stop()


def test_a_published_tag_cannot_replace_another_conversations_notification():
    note = publishing.notification({"title": u"Alice", "body": u"x", "tag": u"chat:carol"},
                                   u"Bob", u"bob@example.test")
    assert note.tag == u"publish:bob@example.test:chat:carol", "tag %r" % note.tag
    assert u"bob@example.test" in note.title, "the sender is hidden: %r" % note.title
    plain = publishing.notification({"body": u"x"}, u"Bob", u"bob@example.test")
    assert plain.tag == u"publish:bob@example.test", "default tag %r" % plain.tag


def test_a_body_naming_the_delay_namespace_is_still_pushed_and_a_delay_element_is_not():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        automatic = app.webpush.automatic
        text = u"see urn:xmpp:delay and jabber:x:delay"
        mentioned = chat(text)
        mentioned.xml = (u"<message type='chat' from='bob@example.test/phone'><body>%s</body>"
                         u"</message>" % text)
        assert automatic._kind(u"alice", mentioned) == "chat", "a body suppressed its push"
        delayed = chat(u"old")
        delayed.xml = (u"<message type='chat'><body>old</body><delay xmlns=\"urn:xmpp:delay\" "
                       u"stamp='2026-01-01T00:00:00Z'/></message>")
        assert automatic._kind(u"alice", delayed) is None, "a delayed message was pushed"
    finally:
        app.webpush.stop()


def test_only_chat_and_normal_messages_stored_offline_are_pushed():
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        subscribe(app, u"alice", u"laptop", u"https://push.example/1")
        for kind in ("headline", "error"):
            app.webpush.automatic.message_stored(u"alice", chat(u"x", type=kind))
        assert transport.nothing_more(), "a headline or error message was pushed"
        app.webpush.automatic.message_stored(u"alice", chat(u"x", type="normal"))
        transport.next()
    finally:
        app.webpush.stop()


def test_a_message_the_user_sends_is_not_handed_to_web_push():
    """Web Push looks at stanzas a session received; the echo of the user's own message
    (UserSession.sent) has none, and handing it None failed with a logged traceback per send."""
    transport = Transport()
    openfire, app = app_with(transport)
    try:
        session = app.sessions.get_or_start(u"alice")
        seen = []
        hook = session._on_stanza
        session._on_stanza = lambda s, stanza: (seen.append(stanza), hook(s, stanza))
        session.sent(Stanza("message", type="chat", recipient=u"bob@example.test", body=u"hi"))
        assert seen == [], "Web Push was handed %r" % seen
        session.on_stanza(chat(u"received"))
        assert [stanza.body for stanza in seen] == [u"received"], "received: %r" % seen
    finally:
        app.webpush.stop()
