"""The one JSON input parser: what json.loads answers for ordinary JSON, and a fast, clear
refusal of what hostile input sends (deep nesting, huge numbers, NaN, unpaired surrogates)."""
from __future__ import absolute_import

import json

from java.lang import Throwable
from java.lang.management import ManagementFactory

from sparkweb import json_input
from sparkweb.json_input import JsonInputError, parse

ORDINARY = [u'{"a": [1, -2, 3.5, 1e3, -0, true, false, null], "b": {"c": "d\\n\\u00e9"}}',
            u'[]', u'{}', u'"text"', u'0', u'12345678901234567890123456789', u'-1.5E-7',
            u'  [1, [2, [3, {}]]]  ', u'{"dup": 1, "dup": 2}', u'"\\ud83d\\ude00 \u00fc"',
            u'1e-400', u'[{"k": [], "l": {}}, "x"]']


def refusal(text):
    """The JsonInputError message for ``text``; fails if parse accepts it or raises anything
    else (a Java StackOverflowError included)."""
    try:
        value = parse(text)
    except JsonInputError as error:
        return error.args[0]
    except (Exception, Throwable) as error:
        raise AssertionError("%r... raised %r instead of JsonInputError" % (text[:40], error))
    raise AssertionError("%r... was accepted as %r" % (text[:40], repr(value)[:80]))


def cpu_seconds(call):
    bean = ManagementFactory.getThreadMXBean()
    started = bean.getCurrentThreadCpuTime()
    call()
    return (bean.getCurrentThreadCpuTime() - started) / 1e9


def test_ordinary_json_parses_as_json_loads_does():
    for text in ORDINARY:
        assert parse(text) == json.loads(text), "%r -> %r" % (text, parse(text))
    assert isinstance(parse(u'"x"'), unicode), "strings are unicode"
    assert parse(u'"\\ud83d\\ude00"') == u"\U0001F600", "a surrogate pair is one character"


def test_deep_nesting_is_refused_without_recursion():
    for text in (u"[" * 50000, u'{"a":' * 50000, u"[" * 50000 + u"]" * 50000):
        assert "deeper" in refusal(text), text[:10]
    nested = u"[" * json_input.MAX_DEPTH + u"]" * json_input.MAX_DEPTH
    assert parse(nested) is not None, "nesting up to the limit is accepted"
    assert "deeper" in refusal(u"[" + nested + u"]"), "one level more is refused"


def test_a_million_digit_number_is_refused_before_conversion():
    for text in (u'{"password": %s}' % (u"9" * 1000000), u"-" + u"1" * 1000000,
                 u"0." + u"5" * 1000000, u"1e" + u"9" * 1000000):
        seconds = cpu_seconds(lambda: refusal(text))
        assert seconds < 2, "refusing a million-digit number took %.1f s of CPU" % seconds
        assert "number" in refusal(text), refusal(text)
    digits = u"7" * json_input.MAX_NUMBER_LENGTH
    assert parse(digits) == int(digits), "a number at the length limit is accepted"


def test_values_json_cannot_represent_are_refused():
    for text in (u"NaN", u"[Infinity]", u"-Infinity", u'{"a": 1e400}', u"-1e99999", u"[1E309]"):
        refusal(text)


def test_unpaired_surrogates_are_refused_in_values_and_keys():
    for text in (u'"\\ud800"', u'"a\\udc00b"', u'["\\ude00\\ud83d"]', u'{"\\ud800": 1}'):
        assert "surrogate" in refusal(text), text


def test_anything_but_one_json_value_is_refused():
    for text in (u"", u"   ", u"{} {}", u"[1] x", u"1 2", u"{'a': 1}", u"[1,]", u"{a: 1}",
                 u"// c\n1", u"[01]", u'"\x01"', u"[", u'{"a"', u"nul", u"[1, [2"):
        refusal(text)
    assert "no JSON" in refusal(u" "), refusal(u" ")


def test_messages_never_quote_the_input():
    for text in (u"[secret-token", u'{"password": secret}', u"9" * 200):
        assert "secret" not in refusal(text) and "999" not in refusal(text), refusal(text)


def test_token_count_is_bounded():
    text = u"[" + u"0," * json_input.MAX_TOKENS + u"0]"
    assert "more than" in refusal(text), refusal(text)


def test_json_out_is_never_invalid_json():
    from sparkweb.jsontext import to_json
    for value in (float("nan"), [float("inf")], {"x": -float("inf")}):
        try:
            text = to_json(value)
        except ValueError:
            continue
        raise AssertionError("%r was written as %s, which JSON.parse refuses" % (value, text))


def test_passkey_client_data_goes_through_the_parser():
    from java.lang import String
    from java.nio.charset import StandardCharsets
    from sparkweb.auth.passkeys.webauthn_json import client_challenge
    from sparkweb.errors import BadRequest
    for text in (u"[" * 50000, u'{"challenge": "\\ud800"}', u'{"challenge": "x", "n": 1e400}',
                 u'{"challenge": "x", "n": %s}' % (u"9" * 1000000), u'{"challenge": "x"} {}'):
        try:
            client_challenge(String(text).getBytes(StandardCharsets.UTF_8))
        except BadRequest:
            continue
        except (Exception, Throwable) as error:
            raise AssertionError("%r... raised %r instead of a 400" % (text[:30], error))
        raise AssertionError("%r... was accepted" % text[:30])
    assert client_challenge(String(u'{"challenge": "abc=="}').getBytes(
        StandardCharsets.UTF_8)) == u"abc", "an ordinary challenge"
