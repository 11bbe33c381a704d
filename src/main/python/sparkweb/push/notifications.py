"""What a push carries: one JSON object the service worker (web/sparkweb-sw.js) shows.

``{"title", "body", "url", "tag", "type", "from", "timestamp"}``; ``type`` is ``chat``,
``mention``, ``invitation`` or ``publish``. The encoded payload stays within what push services
take (4 KB with the aes128gcm overhead): a long body is cut, with an ellipsis.
"""
from __future__ import absolute_import

from java.lang import String
from java.time import Instant

from sparkweb.jsontext import to_json
from sparkweb.push.encryption import MAX_PAYLOAD_BYTES, topic_for

ELLIPSIS = u"\u2026"


class Notification(object):
    def __init__(self, title, body, kind, url=None, tag=None, sender=None, urgency="normal"):
        self.title = title or u""
        self.body = body or u""
        self.kind = kind
        self.url = url
        self.tag = tag
        self.sender = sender
        self.urgency = urgency
        self.topic = topic_for(tag)
        self.timestamp = unicode(Instant.now().toString())

    def _fields(self, body):
        return {"title": self.title, "body": body, "url": self.url, "tag": self.tag,
                "type": self.kind, "from": self.sender, "timestamp": self.timestamp}

    def payload_bytes(self):
        """The UTF-8 JSON, the body cut (binary search on its length) to fit MAX_PAYLOAD_BYTES;
        title and url are bounded by their callers."""
        encoded = self._encoded(self.body)
        if len(encoded) <= MAX_PAYLOAD_BYTES:
            return encoded
        fits, too_long = 0, len(self.body)
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if len(self._encoded(self.body[:middle] + ELLIPSIS)) <= MAX_PAYLOAD_BYTES:
                fits = middle
            else:
                too_long = middle
        return self._encoded(self.body[:fits] + ELLIPSIS if fits else u"")

    def _encoded(self, body):
        return String(to_json(self._fields(body))).getBytes("UTF-8")
