"""Text in a form field to a Setting's stored text, checked against its type and bounds.

config.Setting.parse forgives (malformed text means the default, out-of-range text the nearest
bound) because a property may be edited anywhere; an administrator typing into this page is
told instead.
"""
from __future__ import absolute_import


class Invalid(Exception):
    """Bad input for one setting: a text key of the page and its arguments."""

    def __init__(self, key, *args):
        Exception.__init__(self, key)
        self.key = key
        self.args_ = args


def is_list(setting):
    return isinstance(setting.default, tuple)


def is_number(setting):
    return setting.kind in (int, long, float)


def shown(setting, value):
    """A typed value as the form shows it."""
    if is_list(setting):
        return u", ".join(value)
    if isinstance(value, bool):
        return u"true" if value else u"false"
    return unicode(value)


def checked(setting, text):
    """The typed value of ``text``, or None for an empty field (the default then applies)."""
    text = (text or u"").strip()
    if text == u"":
        return None
    try:
        value = setting.kind(text)
    except (ValueError, TypeError):
        raise Invalid("sparkweb.settings.error.number" if is_number(setting)
                      else "sparkweb.settings.error.value")
    low, high = setting.minimum, setting.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise Invalid("sparkweb.settings.error.range", low, high)
        if low is not None:
            raise Invalid("sparkweb.settings.error.minimum", low)
        raise Invalid("sparkweb.settings.error.maximum", high)
    return value
