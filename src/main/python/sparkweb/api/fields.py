"""Typed members of a JSON request body: each reader answers the value (or ``default`` when the
member is absent) or raises a 400 that names the member and what it must be. Text that will
travel as XML is checked for characters XML cannot carry."""
from __future__ import absolute_import

import re

from sparkweb.errors import BadRequest
from sparkweb.xmpp.stanza import xml_text

ABSENT = object()
_ASCII_DIGITS = re.compile(r"[0-9]+\Z")


def is_number(value):
    """True for one or more ASCII digits only. ``unicode.isdigit()`` takes every Unicode digit
    ("\uff15", "\u0665"), which int() reads too, while the contract's integers, and proxies
    and logs that check them, mean [0-9] (findings-10 S5-A4)."""
    return isinstance(value, basestring) and _ASCII_DIGITS.match(value) is not None


def text(body, name, default=ABSENT, max_length=1023, empty=True):
    value = body.get(name, ABSENT)
    if value is ABSENT or (value is None and default is not ABSENT):
        return default if default is not ABSENT else _missing(name)
    if not isinstance(value, basestring) or len(value) > max_length or \
            (not empty and not value.strip()):
        raise BadRequest("'%s' must be %stext of at most %d characters." % (
            name, "" if empty else "non-empty ", max_length))
    return xml_text(name, value)


def flag(body, name, default=False):
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest("'%s' must be true or false." % name)
    return value


def names(body, name, default=ABSENT, max_count=100, max_length=1023):
    """A list of distinct non-empty strings."""
    value = body.get(name, ABSENT)
    if value is ABSENT or value is None:
        return default if default is not ABSENT else _missing(name)
    if not isinstance(value, list) or len(value) > max_count or not all(
            isinstance(item, basestring) and item.strip() and len(item) <= max_length
            for item in value):
        raise BadRequest("'%s' must be a list of at most %d non-empty names of at most %d "
                         "characters." % (name, max_count, max_length))
    if len(set(value)) != len(value):
        raise BadRequest("'%s' names one entry twice." % name)
    return [xml_text(name, item) for item in value]


def integer(request, name, default, minimum, maximum):
    """A query parameter that must be a whole number within bounds."""
    raw = request.query(name)
    if raw is None or raw == u"":
        return default
    if not raw or len(raw) > 9 or any(c not in u"0123456789" for c in raw) \
            or not minimum <= int(raw) <= maximum:
        raise BadRequest("'%s' must be a whole number from %d to %d." % (name, minimum, maximum))
    return int(raw)


def _missing(name):
    raise BadRequest("'%s' is required." % name)
