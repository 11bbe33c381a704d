"""The page's texts from i18n/sparkweb_i18n*.properties, in Openfire's admin-console locale."""
from __future__ import absolute_import

import jarray

from java.lang import Object
from java.text import MessageFormat
from java.util import Locale, MissingResourceException, ResourceBundle

BUNDLE = "sparkweb_i18n"

# Without this control a locale with no bundle of its own (say French) would fall back to the
# JVM's default locale, not to the English base bundle.
_NO_FALLBACK = ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES)


class Texts(object):
    """Looks up texts; ``get`` of a missing key answers None so callers can choose a fallback."""

    def __init__(self, class_loader, locale=Locale.ENGLISH):
        try:
            self._bundle = ResourceBundle.getBundle(BUNDLE, locale, class_loader, _NO_FALLBACK)
        except MissingResourceException:
            raise ValueError("no %s.properties on the plugin's class path" % BUNDLE)

    def get(self, key, *args):
        if not self._bundle.containsKey(key):
            return None
        text = self._bundle.getString(key)
        if args:   # MessageFormat only with arguments: it would eat the apostrophes of plain texts
            text = MessageFormat.format(text, jarray.array([_plain(arg) for arg in args], Object))
        return text

    def text(self, key, *args):
        """Like get, for keys the page cannot do without: a missing one shows as ??key??."""
        found = self.get(key, *args)
        return found if found is not None else u"??%s??" % key


def _plain(value):
    """MessageFormat would group digits of a number (28,800); settings read better plain."""
    return unicode(value) if isinstance(value, (int, long)) else value
