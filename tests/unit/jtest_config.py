"""Settings: declared type, default and bounds; protected property names."""
from __future__ import absolute_import

from sparkweb import config
from support import openfire_with_users


def test_setting_uses_default_when_missing_or_malformed():
    settings = config.Settings(openfire_with_users())
    assert settings.get(config.TOKEN_LIFETIME) == config.TOKEN_LIFETIME.default, "no default"
    settings.set(config.TOKEN_LIFETIME, u"soon")
    assert settings.get(config.TOKEN_LIFETIME) == config.TOKEN_LIFETIME.default, "bad value used"


def test_setting_is_clamped_to_its_bounds():
    settings = config.Settings(openfire_with_users())
    settings.set(config.TOKEN_LIFETIME, 1)
    assert settings.get(config.TOKEN_LIFETIME) == 60, "below minimum not clamped"
    settings.set(config.MAX_BODY_BYTES, 10 ** 12)
    assert settings.get(config.MAX_BODY_BYTES) == 64 * 1024 * 1024, "above maximum not clamped"


def test_secret_property_names_are_protected_and_administrators_can_add_more():
    settings = config.Settings(openfire_with_users())
    for name in (u"sparkweb.token.revoked", u"webauthn.credentials", u"webpush.subscription.1",
                 u"TOTP.secret"):
        assert settings.is_protected_property(name), "%s not protected" % name
    assert not settings.is_protected_property(u"theme"), "ordinary property protected"
    settings.set(config.PROTECTED_PROPERTIES, u"theme, internal.")
    assert settings.is_protected_property(u"theme"), "configured name not protected"
    assert settings.is_protected_property(u"internal.notes"), "configured prefix not protected"


def test_origins_must_be_scheme_host_port_or_the_safe_default_applies():
    settings = config.Settings(openfire_with_users())
    settings.set(config.CORS_ORIGINS, u"https://a.example, http://b.example:8080/")
    assert settings.get(config.CORS_ORIGINS) == (u"https://a.example", u"http://b.example:8080")
    for bad in (u"a.example", u"https://a.example/path", u"ftp://a.example",
                u"https://a.example, *"):
        settings.set(config.CORS_ORIGINS, bad)
        assert settings.get(config.CORS_ORIGINS) == (), "%r half-applied" % bad


def test_a_flag_setting_is_true_or_false_and_shown_so():
    from sparkweb.admin import fields
    settings = config.Settings(openfire_with_users())
    assert settings.get(config.LOGIN_REQUIRE_JSON) is False, "default is not false"
    settings.set(config.LOGIN_REQUIRE_JSON, u"TRUE")
    assert settings.get(config.LOGIN_REQUIRE_JSON) is True, "TRUE not read as true"
    settings.set(config.LOGIN_REQUIRE_JSON, u"yes")
    assert settings.get(config.LOGIN_REQUIRE_JSON) is False, "a malformed flag was not the default"
    assert fields.shown(config.LOGIN_REQUIRE_JSON, True) == u"true", "shown as %r" % \
        fields.shown(config.LOGIN_REQUIRE_JSON, True)
