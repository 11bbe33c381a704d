"""The installation's VAPID key pair (RFC 8292): push services know this server by its public
key, and every request to them carries a JWT signed with the private one.

Generated on first start and kept, like the token key, in Openfire's system properties,
encrypted (``sparkweb.webpush.vapid.key``: "<public>.<private>", unpadded base64url), so that it
survives restarts and every node of a cluster signs alike. Rotating it (settings page) ends
every subscription: browsers subscribed with the old public key, and push services refuse
requests signed with another. Nothing here logs or returns the private key.
"""
from __future__ import absolute_import

from sparkweb import config
from sparkweb.push import crypto


class VapidKey(object):
    """One key pair: ``public_key`` (base64url, what ``PushManager.subscribe()`` takes as
    ``applicationServerKey``), and the key objects webpush-java signs with."""

    def __init__(self, stored):
        public_text, _, private_text = stored.partition(u".")
        self.stored = stored
        self.public_key = public_text
        self.public = crypto.load_public_key(crypto.b64url_decode(public_text))
        self.private = crypto.load_private_key(crypto.b64url_decode(private_text))


def _new_stored():
    public, private = crypto.generate_key_pair()
    return u"%s.%s" % (crypto.b64url(public), crypto.b64url(private))


class VapidKeys(object):
    """The key in use; replaced as a whole on rotation."""

    def __init__(self, openfire):
        self._openfire = openfire
        stored = openfire.get_property(config.WEBPUSH_VAPID_PROPERTY)
        if not stored:
            openfire.set_property(config.WEBPUSH_VAPID_PROPERTY, _new_stored(), True)
            stored = openfire.get_property(config.WEBPUSH_VAPID_PROPERTY)   # whichever node won
        self.current = VapidKey(stored)

    def rotate(self):
        """A new random key pair from now on, stored encrypted in place of the old one."""
        stored = _new_stored()
        self._openfire.set_property(config.WEBPUSH_VAPID_PROPERTY, stored, True)
        self.current = VapidKey(stored)

    def follow_stored(self):
        """Switches to the stored key when another cluster node rotated it; True if so."""
        stored = self._openfire.get_property(config.WEBPUSH_VAPID_PROPERTY)
        if not stored or stored == self.current.stored:
            return False
        self.current = VapidKey(stored)
        return True
