"""Link previews (issue 14): metadata from OpenGraph, Twitter cards and HTML; quality picks the
image; one fetch for many users; the per-user limit; the off switch; refusals never connect."""
from __future__ import absolute_import

from java.lang import Runnable, System, Thread
from java.util.concurrent import CountDownLatch, CopyOnWriteArrayList, TimeUnit

from outbound_fixtures import Page, PageServer, RecordingListener
from sparkweb import config
from sparkweb.api.collaboration import get_preview
from sparkweb.errors import (ApiError, BadRequest, NotFound, ServiceUnavailable,
                             TooManyRequests)
from sparkweb.outbound.client import OutboundClient
from sparkweb.outbound.previews import LinkPreviews
from support import Clock, FakeRequest, raised, services

OPEN_GRAPH = u"""<!doctype html><html><head>
<title>Plain title</title>
<meta property="og:title" content="  The   OpenGraph title ">
<meta property="og:description" content="What the page is about.">
<meta property="og:site_name" content="Example Site">
<meta property="og:type" content="article">
<meta property="og:image" content="/small.png"><meta property="og:image:width" content="200">
<meta property="og:image" content="https://cdn.example/large.png">
<meta property="og:image:width" content="1400">
<meta name="twitter:title" content="Twitter title">
</head><body><p>text</p></body></html>"""


def previews_with(allow="127.0.0.2", clock=None, **settings):
    clock = clock or Clock()
    app = services(clock=clock)
    app.settings.set(config.OUTBOUND_ALLOW, allow)
    for name, value in settings.items():
        app.settings.set(getattr(config, name), value)
    connects = CopyOnWriteArrayList()
    client = OutboundClient(app.settings, on_connect=lambda a, p: connects.add((a, p)))
    return LinkPreviews(app.settings, client, clock), connects, app


def test_open_graph_wins_over_twitter_and_html_and_quality_picks_the_image_by_width():
    server = PageServer()
    server.pages["/og"] = Page(body=OPEN_GRAPH.encode("utf-8"),
                               headers=[("Content-Type", "text/html; charset=utf-8")])
    previews, _, _ = previews_with()
    try:
        small = previews.preview(u"alice", server.url("/og"), 1)
        assert small["title"] == u"The OpenGraph title", "title %r" % small["title"]
        assert small["description"] == u"What the page is about.", "%r" % small
        assert small["siteName"] == u"Example Site" and small["type"] == u"article", "%r" % small
        assert small["image"] == server.url("/small.png"), "quality 1: %r" % small["image"]
        large = previews.preview(u"alice", server.url("/og"), 9)
        assert large["image"] == u"https://cdn.example/large.png", "quality 9: %r" % large
        assert small["url"] == server.url("/og"), "url %r" % small["url"]
    finally:
        server.stop()


def test_plain_pages_broken_html_and_other_charsets_are_read():
    server = PageServer()
    server.pages["/plain"] = Page(body="<html><head><title>Only a title</title><meta "
                                       "name=description content='Plain description'>",
                                  headers=[("Content-Type", "text/html")])
    server.pages["/broken"] = Page(body="<title>Broken <b>page</title><meta property=og:title "
                                        "content=\"Unclosed\"<<div>>",
                                   headers=[("Content-Type", "text/html")])
    server.pages["/latin1"] = Page(body=u"<title>Gr\u00fc\u00dfe aus K\u00f6ln</title>"
                                   .encode("iso-8859-1"),
                                   headers=[("Content-Type", "text/html; charset=ISO-8859-1")])
    server.pages["/meta-charset"] = Page(
        body=u"<meta charset='windows-1252'><title>Caf\u00e9 \u20ac</title>".encode("cp1252"),
        headers=[("Content-Type", "text/html")])
    previews, _, _ = previews_with()
    try:
        plain = previews.preview(u"alice", server.url("/plain"), 5)
        assert plain["title"] == u"Only a title" and plain["image"] is None, "%r" % plain
        assert plain["description"] == u"Plain description", "%r" % plain
        assert plain["type"] == u"website" and plain["siteName"] is None, "%r" % plain
        broken = previews.preview(u"alice", server.url("/broken"), 5)
        assert broken["title"], "broken HTML gave no title: %r" % broken
        assert previews.preview(u"alice", server.url("/latin1"), 5)["title"] == \
            u"Gr\u00fc\u00dfe aus K\u00f6ln", "ISO-8859-1 from the header"
        assert previews.preview(u"alice", server.url("/meta-charset"), 5)["title"] == \
            u"Caf\u00e9 \u20ac", "windows-1252 from <meta charset>"
    finally:
        server.stop()


def test_non_html_errors_and_refusals_are_400_and_cached_briefly():
    server = PageServer()
    server.pages["/image"] = Page(body="\x89PNG", headers=[("Content-Type", "image/png")])
    server.pages["/gone"] = Page(404, "missing", headers=[("Content-Type", "text/html")])
    clock = Clock()
    previews, connects, _ = previews_with(clock=clock)
    try:
        for path in ("/image", "/gone"):
            error = raised(lambda: previews.preview(u"alice", server.url(path), 5))
            assert isinstance(error, BadRequest), "%s: %r" % (path, error)
        raised(lambda: previews.preview(u"bob", server.url("/gone"), 5))
        assert previews.fetches.get() == 2, "failures not cached: %d" % previews.fetches.get()
        clock.advance(61)
        raised(lambda: previews.preview(u"bob", server.url("/gone"), 5))
        assert previews.fetches.get() == 3, "failure kept past 60 s: %d" % previews.fetches.get()
        error = raised(lambda: previews.preview(u"alice", u"file:///etc/passwd", 5))
        assert isinstance(error, BadRequest) and "http" in error.message, "file: %r" % error
    finally:
        server.stop()


def test_a_hundred_users_asking_at_once_cause_one_fetch():
    server = PageServer()
    release = CountDownLatch(1)

    def slow_page(request):
        release.await(10, TimeUnit.SECONDS)    # hold the fetch until all users asked
        return Page(body="<title>Shared</title>", headers=[("Content-Type", "text/html")])
    server.pages["/shared"] = slow_page
    previews, _, _ = previews_with()
    answers = CopyOnWriteArrayList()
    done = CountDownLatch(100)

    class Ask(Runnable):
        def __init__(self, number):
            self.number = number

        def run(self):
            try:
                answers.add(previews.preview(u"user%d" % self.number, server.url("/shared"),
                                             5)["title"])
            except (Exception, ApiError) as error:
                answers.add(repr(error))
            finally:
                done.countDown()
    threads = [Thread(Ask(number)) for number in range(100)]
    try:
        for thread in threads:
            thread.start()
        release.countDown()
        assert done.await(60, TimeUnit.SECONDS), "previews did not finish"
        assert list(answers) == [u"Shared"] * 100, "answers %s" % list(answers)[:3]
        assert len(server.requests) == 1 and previews.fetches.get() == 1, \
            "fetches %d, requests %d" % (previews.fetches.get(), len(server.requests))
    finally:
        release.countDown()
        server.stop()


def test_the_cache_expires_and_stays_bounded():
    server = PageServer()
    server.pages["/a"] = Page(body="<title>A</title>", headers=[("Content-Type", "text/html")])
    clock = Clock()
    previews, _, _ = previews_with(clock=clock, PREVIEW_CACHE_SECONDS=60,
                                   PREVIEW_CACHE_ENTRIES=10, PREVIEW_PER_MINUTE=1000)
    try:
        previews.preview(u"alice", server.url("/a"), 5)
        previews.preview(u"alice", server.url("/a?again"[:-6]), 5)
        assert previews.fetches.get() == 1, "cached answer fetched again"
        clock.advance(61)
        previews.preview(u"alice", server.url("/a"), 5)
        assert previews.fetches.get() == 2, "expired answer not fetched again"
        for number in range(30):
            raised(lambda: previews.preview(u"alice", server.url("/a?n=%d" % number), 5))
        assert len(previews._cache) <= 10, "cache grew to %d" % len(previews._cache)
    finally:
        server.stop()


def test_each_user_has_a_limit_per_minute_with_retry_after():
    clock = Clock()
    previews, _, _ = previews_with(clock=clock, PREVIEW_PER_MINUTE=3)
    for _ in range(3):
        raised(lambda: previews.preview(u"alice", u"ftp://x/", 5))
    error = raised(lambda: previews.preview(u"alice", u"ftp://x/", 5))
    assert isinstance(error, TooManyRequests), "fourth in a minute: %r" % error
    assert 0 < int(error.headers["Retry-After"]) <= 60, "Retry-After %r" % error.headers
    assert not isinstance(raised(lambda: previews.preview(u"bob", u"ftp://x/", 5)),
                          TooManyRequests), "bob limited by alice"
    clock.advance(60)
    assert not isinstance(raised(lambda: previews.preview(u"alice", u"ftp://x/", 5)),
                          TooManyRequests), "still limited after a minute"


def test_previews_turned_off_are_404_and_fetch_nothing():
    listener = RecordingListener("127.0.0.2")
    previews, connects, _ = previews_with(PREVIEW_ENABLED="false")
    try:
        error = raised(lambda: previews.preview(u"alice", "http://127.0.0.2:%d/" %
                                                listener.port, 5))
        assert isinstance(error, NotFound), "off: %r" % error
        assert connects.isEmpty() and listener.count() == 0, "connected while off"
    finally:
        listener.stop()


def test_the_handler_checks_quality_and_refused_urls_never_connect():
    listener = RecordingListener("127.0.0.1")
    app = services()
    app.settings.set(config.PREVIEW_PER_MINUTE, "1000")
    claims = type("Claims", (), {"username": u"alice"})()
    try:
        for quality in ("0", "10", "x", "", "-1", "5.0"):
            request = FakeRequest(app, claims, {"quality": quality, "url": "http://a.example/"})
            assert isinstance(raised(lambda: get_preview(request)), BadRequest), quality
        for url in ("http://127.0.0.1:%d/" % listener.port, "http://[::1]:%d/" % listener.port,
                    "http://0x7f000001:%d/" % listener.port, "gopher://127.0.0.1:%d/" %
                    listener.port, "http://localhost:%d/" % listener.port):
            request = FakeRequest(app, claims, {"quality": "5", "url": url})
            error = raised(lambda: get_preview(request))
            assert isinstance(error, ApiError) and 400 <= error.status < 500, "%s: %r" % (
                url, error)
        assert listener.count() == 0, "the listener saw %d connections" % listener.count()
    finally:
        listener.stop()


def test_fetches_beyond_the_global_bound_are_503_at_once_and_connect_nowhere():
    """A hundred users pasting a hundred slow links held a hundred request threads; now at most
    sparkweb.preview.maxFetches pages are fetched at once and the rest are told to come back."""
    silent = RecordingListener("127.0.0.2", hold=True)     # accepts and never answers
    previews, connects, _ = previews_with(PREVIEW_MAX_FETCHES="2", PREVIEW_PER_MINUTE="1000",
                                          OUTBOUND_READ_SECONDS="10")
    done = CountDownLatch(2)

    class Ask(Runnable):
        def __init__(self, path):
            self.path = path

        def run(self):
            try:
                raised(lambda: previews.preview(u"alice", "http://127.0.0.2:%d%s" % (
                    silent.port, self.path), 5))
            finally:
                done.countDown()
    try:
        for path in ("/one", "/two"):
            thread = Thread(Ask(path))
            thread.setDaemon(True)
            thread.start()
        deadline = System.currentTimeMillis() + 20000
        while silent.count() < 2 and System.currentTimeMillis() < deadline:
            Thread.onSpinWait()
        assert silent.count() == 2, "the two first fetches never connected"
        started = System.currentTimeMillis()
        error = raised(lambda: previews.preview(u"bob", "http://127.0.0.2:%d/three" %
                                                silent.port, 5))
        elapsed = System.currentTimeMillis() - started
        assert isinstance(error, ServiceUnavailable), "a third fetch at once gave %r" % error
        assert error.headers.get("Retry-After"), "no Retry-After: %r" % error.headers
        assert elapsed < 3000, "the refusal took %d ms" % elapsed
        assert silent.count() == 2 and connects.size() == 2, \
            "the third fetch connected: %d connections" % silent.count()
        silent.stop()          # the two fetches fail now and give their places back
        assert done.await(20, TimeUnit.SECONDS), "the held fetches did not end"
        server = PageServer()
        server.pages["/four"] = Page(body="<title>Four</title>",
                                     headers=[("Content-Type", "text/html")])
        try:
            assert previews.preview(u"bob", server.url("/four"), 5)["title"] == u"Four", \
                "no place free after the fetches ended"
        finally:
            server.stop()
    finally:
        silent.stop()


def test_an_illegal_charset_name_is_ignored_and_the_page_still_previewed():
    """findings-14 14-1 / A13: IllegalCharsetNameException (a Java exception) escaped, so the
    preview was a generic 400 and the log got a traceback."""
    server = PageServer()
    for path, charset in (("/quoted", '"a b"'), ("/question", "a?b")):
        server.pages[path] = Page(body="<html><head><title>charset page</title></head></html>",
                                  headers=[("Content-Type", "text/html; charset=%s" % charset)])
    previews, _, _ = previews_with(PREVIEW_PER_MINUTE="1000")
    try:
        for path in ("/quoted", "/question"):
            answers = []
            error = raised(lambda: answers.append(previews.preview(u"alice", server.url(path),
                                                                   5)))
            assert error is None and answers[0]["title"] == u"charset page", \
                "%s: %r %r" % (path, error, answers)
    finally:
        server.stop()


def test_refused_addresses_and_closed_ports_get_one_answer():
    """Review 14-2: the answers told a refused (internal) address from a closed port, an
    unknown host or a timeout, so previews mapped internal names and scanned ports. They
    are one message now; what the caller's own link shows (redirects, scheme) stays said."""
    previews, connects, _ = previews_with()
    messages = set()
    for url in (u"http://127.0.0.5:8080/", u"http://10.1.2.3/", u"http://127.0.0.2:1/"):
        error = raised(lambda: previews.preview(u"alice", url, 5))
        assert isinstance(error, BadRequest), "%s: %r" % (url, error)
        messages.add(error.message)
    assert len(messages) == 1, "the answers tell the causes apart: %s" % sorted(messages)
