"""The admin-console settings page against the in-memory Openfire: what it shows, what it saves,
what it refuses, and key rotation."""
from __future__ import absolute_import

from java.io import File
from java.net import URLClassLoader
from java.util import Locale, Properties
from java.io import FileInputStream

from sparkweb import config
from sparkweb.admin.page import SettingsPage
from sparkweb.admin.sections import page_sections
from sparkweb.admin.texts import Texts
from sparkweb.cluster.overview import cluster_overview
from sparkweb.errors import Unauthorized
from support import services, wait_for

I18N = File(File(__file__).getAbsoluteFile().getParentFile(), "../../i18n").getCanonicalFile()
LOADER = URLClassLoader([I18N.toURI().toURL()], None)
CSRF = u"session-token"
URLS = {"rest": [u"http://host:7070/sparkweb/api/rest/"], "sse": [u"http://host:7070/sparkweb/sse"]}


def page_with(app):
    return SettingsPage(app.settings, app.rotate_signing_key, app.openfire, lambda: URLS)


def texts(locale=Locale.ENGLISH):
    return Texts(LOADER, locale)


def save(page, **fields):
    form = {"csrf": CSRF, "action": "save"}
    form.update(dict((key.replace("__", "."), value) for key, value in fields.items()))
    return page.submit(texts(), CSRF, form)


def test_page_shows_current_values_urls_and_the_csrf_token():
    app = services()
    app.settings.set(config.CORS_ORIGINS, u"https://one.example, https://two.example")
    app.settings.set(config.TOKEN_LIFETIME, 1234)
    answer = page_with(app).show(texts(), CSRF)
    html = answer.html
    assert answer.status == 200, answer.status
    assert 'value="https://one.example, https://two.example"' in html, "CORS origins not shown"
    assert 'name="sparkweb.token.lifetime.seconds" value="1234"' in html, "lifetime not shown"
    assert 'value="%s"' % CSRF in html, "no CSRF token in the forms"
    assert '<meta name="pageID" content="sparkweb-settings"/>' in html, "no pageID for the sidebar"
    assert "http://host:7070/sparkweb/api/rest/" in html and "http://host:7070/sparkweb/sse" in html, \
        "effective URLs missing"
    assert "SparkWeb Settings" in html and "Rotate Signing Key" in html, "English texts missing"


def test_every_setting_is_on_the_page():
    html = page_with(services()).show(texts(), CSRF).html
    missing = [s.key for s in config.ALL if 'name="%s"' % s.key not in html]
    assert not missing, "settings without a field: %s" % missing


def test_values_are_escaped():
    app = services()
    app.openfire.set_property(config.SESSION_RESOURCE.key, u'"><script>alert(1)</script>')
    html = page_with(app).show(texts(), CSRF).html
    assert "<script>" not in html, "a stored value reached the page unescaped"
    assert "&quot;&gt;&lt;script&gt;" in html, "escaped value not shown"


def test_the_key_is_never_shown():
    app = services()
    key = app.openfire.get_property(config.TOKEN_KEY_PROPERTY)
    assert key and key not in page_with(app).show(texts(), CSRF).html, "the signing key is on the page"


def test_the_activity_box_shows_open_streams_and_sessions():
    app = services()
    page = SettingsPage(app.settings, app.rotate_signing_key, app.openfire, lambda: URLS,
                        lambda: {"streams": 3, "sessions": 2})
    html = page.show(texts(), CSRF).html
    assert 'id="sparkweb-activity-streams">3<' in html, "open streams not shown"
    assert 'id="sparkweb-activity-sessions">2<' in html, "sessions not shown"
    assert "Open event streams" in html, "English label missing"
    german = page.show(texts(Locale.GERMAN), CSRF).html
    assert u"Offene Ereignisstr\u00f6me" in german, "German label missing"


def test_german_texts_in_a_german_admin_console():
    html = page_with(services()).show(texts(Locale.GERMAN), CSRF).html
    assert "SparkWeb-Einstellungen" in html, "German title missing"
    assert u"Signaturschl\u00fcssel wechseln" in html, "German rotate button missing"


def test_save_stores_valid_values_and_redirects():
    app = services()
    answer = save(page_with(app), sparkweb__token__lifetime__seconds=u" 900 ",
                  sparkweb__cors__origins=u"https://a.example,https://b.example")
    assert answer.status == 303 and answer.location.endswith("?saved=settings"), answer.status
    assert app.settings.get(config.TOKEN_LIFETIME) == 900, "lifetime not saved"
    assert app.settings.get(config.CORS_ORIGINS) == (u"https://a.example", u"https://b.example"), \
        app.settings.get(config.CORS_ORIGINS)


def test_out_of_bounds_and_malformed_values_are_errors_on_the_page_and_nothing_is_saved():
    app = services()
    answer = save(page_with(app), sparkweb__token__lifetime__seconds=u"5",
                  sparkweb__login__windowSeconds=u"ten",
                  sparkweb__cors__origins=u"https://a.example")
    assert answer.status == 400, "status %s" % answer.status
    assert "Enter a value from 60 to 2592000." in answer.html, "no range error shown"
    assert "Enter a whole number." in answer.html, "no number error shown"
    assert 'value="ten"' in answer.html, "the submitted text is not shown again"
    assert app.openfire.get_property(config.TOKEN_LIFETIME.key) is None, "bad lifetime saved"
    assert app.openfire.get_property(config.CORS_ORIGINS.key) is None, "partial save"


def test_saving_the_unchanged_form_does_not_pin_defaults():
    app = services()
    before = set(app.openfire.property_names())
    form = {"csrf": CSRF, "action": "save"}
    for setting in config.ALL:
        value = app.settings.get(setting)
        form[setting.key] = u", ".join(value) if isinstance(value, tuple) else unicode(value)
    assert page_with(app).submit(texts(), CSRF, form).status == 303, "unchanged form refused"
    assert set(app.openfire.property_names()) == before, "defaults written as properties"


def test_an_emptied_field_returns_to_the_default():
    app = services()
    app.settings.set(config.TOKEN_LIFETIME, 900)
    assert save(page_with(app), sparkweb__token__lifetime__seconds=u"").status == 303
    assert app.settings.get(config.TOKEN_LIFETIME) == config.TOKEN_LIFETIME.default, "not reset"


def test_a_post_without_the_session_csrf_token_changes_nothing():
    app = services()
    key = app.openfire.get_property(config.TOKEN_KEY_PROPERTY)
    page = page_with(app)
    for token in (None, u"", u"session-token-x"):
        form = {"action": "save", config.TOKEN_LIFETIME.key: u"900"}
        if token is not None:
            form["csrf"] = token
        assert page.submit(texts(), CSRF, form).status == 403, "accepted csrf %r" % token
        rotate = {"action": "rotate", "confirm": "yes", "csrf": token}
        assert page.submit(texts(), CSRF, rotate).status == 403, "rotated with csrf %r" % token
    assert app.openfire.get_property(config.TOKEN_LIFETIME.key) is None, "saved without CSRF"
    assert app.openfire.get_property(config.TOKEN_KEY_PROPERTY) == key, "rotated without CSRF"


def test_rotation_needs_the_confirmation_then_rejects_old_tokens():
    app = services()
    old, _ = app.tokens.issue(u"alice", u"account-of-alice")
    app.tokens.verify(old)
    key = app.openfire.get_property(config.TOKEN_KEY_PROPERTY)
    page = page_with(app)
    unconfirmed = page.submit(texts(), CSRF, {"csrf": CSRF, "action": "rotate"})
    assert unconfirmed.status == 400 and "tick the confirmation" in unconfirmed.html, \
        unconfirmed.status
    assert app.openfire.get_property(config.TOKEN_KEY_PROPERTY) == key, "rotated unconfirmed"
    answer = page.submit(texts(), CSRF, {"csrf": CSRF, "action": "rotate", "confirm": "yes"})
    assert answer.status == 303 and answer.location.endswith("?saved=key"), answer.status
    assert app.openfire.get_property(config.TOKEN_KEY_PROPERTY) != key, "key not rotated"
    try:
        app.tokens.verify(old)
        raise AssertionError("a token signed with the old key still verifies")
    except Unauthorized:
        pass


def test_notices_come_only_from_known_names():
    page = page_with(services())
    assert "Settings saved." in page.show(texts(), CSRF, u"settings").html, "no saved notice"
    html = page.show(texts(), CSRF, u"<b>forged</b>").html
    assert "forged" not in html, "a query parameter reached the page"


def bundle(name):
    properties = Properties()
    stream = FileInputStream(File(I18N, name))
    try:
        properties.load(stream)
    finally:
        stream.close()
    return properties


def test_english_and_german_have_the_same_keys_and_every_declared_setting_has_texts():
    english, german = bundle("sparkweb_i18n.properties"), bundle("sparkweb_i18n_de.properties")
    assert set(english.keySet()) == set(german.keySet()), "keys differ: %s" % (
        set(english.keySet()) ^ set(german.keySet()))
    for section in page_sections():
        if section.name == "other":
            continue   # undeclared settings fall back to their key and doc
        for key in ("sparkweb.settings.section." + section.name,):
            assert english.containsKey(key), "no text for %s" % key
        for setting in section.settings:
            name = "sparkweb.settings.field." + setting.key[len("sparkweb."):]
            for key in (name, name + ".help"):
                assert english.containsKey(key), "no text for %s" % key


def cluster_page(app):
    return SettingsPage(app.settings, app.rotate_signing_key, app.openfire, lambda: URLS,
                        cluster=lambda: cluster_overview(app.openfire, app.sessions,
                                                         app.forwarding, app.relays))


def test_the_cluster_box_shows_nodes_sessions_relays_and_forwarded_calls():
    from jtest_credentials import FakeContext, handler
    from jtest_relay import Browser, TwoNodes
    nodes = TwoNodes()
    try:
        browser = Browser(nodes.other, nodes.token())
        wait_for(lambda: nodes.home.relays.summary()["out"] == 1, "no relay at home", 10)
        response = handler(nodes.other, "GET", "/presence/roster")(FakeContext(
            {}, headers={"Authorization": nodes.token()}))
        assert response.getStatus() == 200, response.getStatus()
        home = cluster_page(nodes.home).show(texts(), CSRF).html
        other = cluster_page(nodes.other).show(texts(), CSRF).html
        for html, counts in ((home, {"sessions": 1, "relays_out": 1, "relays_in": 0,
                                     "forwarded": 0, "served": 1}),
                             (other, {"sessions": 0, "relays_out": 0, "relays_in": 1,
                                      "forwarded": 1, "served": 0, "unanswered": 0})):
            for name, count in counts.items():
                assert 'id="sparkweb-cluster-%s">%d<' % (name, count) in html, \
                    "%s is not %d: %s" % (name, count, html[html.find("Cluster"):][:1500])
        assert "<code>a</code> (a.test) &#8211; this node, <code>b</code> (b.test)" in home, \
            "the nodes, this one marked: %s" % home[home.find("sparkweb-cluster-nodes"):][:200]
        assert "Event streams here relayed from sessions on other nodes" in other, \
            "English label missing"
        german = cluster_page(nodes.other).show(texts(Locale.GERMAN), CSRF).html
        assert u"An andere Knoten weitergeleitete Anfragen" in german, "German label missing"
        browser.close()
    finally:
        nodes.close()


def test_the_cluster_box_of_a_node_not_in_a_cluster_says_so():
    app = services()
    html = cluster_page(app).show(texts(), CSRF).html
    assert "Not in a cluster; this node (<code>memory</code>)" in html, \
        html[html.find("sparkweb-cluster-nodes"):][:200]
    assert 'id="sparkweb-cluster-forwarded">0<' in html, "counts missing"
