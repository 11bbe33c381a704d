"""The benchmark's message marker: ``bench <id> <monotonic send time>`` in a message body,
found in the raw bytes of an event stream or an XMPP stream alike (the same cost for every
peer)."""
import re
import time

MARKER = re.compile(rb"bench (\d+) (\d+\.\d+)")
KEEP = 64    # bytes kept between chunks, so that a marker split across two reads is still found


def marker(number, sent_at):
    return "bench %d %.6f" % (number, sent_at)


class MarkerScanner(object):
    """Feeds chunks; calls ``on_marker(id, sent_at, received_at)`` once per marker."""

    def __init__(self, on_marker):
        self._on_marker = on_marker
        self._tail = b""

    def feed(self, chunk):
        now = time.monotonic()
        data = self._tail + chunk
        last_end = 0
        for found in MARKER.finditer(data):
            if found.end() < len(data):         # a marker at the very end may go on
                self._on_marker(int(found.group(1)), float(found.group(2)), now)
                last_end = found.end()
        self._tail = data[max(last_end, len(data) - KEEP):]
