"""Messages that reached a user's session while it had no event stream and that no stream has
replayed since: if the session ends, they are stored offline rather than lost (see
user_session). Bounded so that no sender can push another sender's messages out or pin memory
at will: at most MAX_MESSAGES, MAX_PER_SENDER of one sender (that sender's oldest go first), and
a byte budget (the replay log's). Not thread-safe: the session's lock guards it."""
from __future__ import absolute_import

from sparkweb.session.stanza_sizes import raw_size_hint

MAX_MESSAGES = 500
MAX_PER_SENDER = 50


class _Message(object):
    __slots__ = ("millis", "stanza", "event_id", "size", "sender")

    def __init__(self, millis, stanza, event_id):
        self.millis = millis
        self.stanza = stanza
        self.event_id = event_id      # the event that shows it: a replay of it shows it
        self.size = raw_size_hint(stanza)
        self.sender = (stanza.sender or u"").partition(u"/")[0]


class UnreadMessages(object):
    def __init__(self, max_bytes):
        self._messages = []
        self._bytes = 0
        self._max_bytes = max_bytes

    def add(self, millis, stanza, event_id):
        message = _Message(millis, stanza, event_id)
        if message.size > self._max_bytes:
            return
        same_sender = [kept for kept in self._messages if kept.sender == message.sender]
        if len(same_sender) >= MAX_PER_SENDER:
            self._remove(same_sender[0])
        self._messages.append(message)
        self._bytes += message.size
        while len(self._messages) > MAX_MESSAGES or self._bytes > self._max_bytes:
            self._remove(self._messages[0])

    def replayed(self, events):
        """Forgets the messages that ``events`` (a stream's replay) show."""
        shown = set(event.id for event in events)
        for message in [kept for kept in self._messages if kept.event_id in shown]:
            self._remove(message)

    def take_all(self):
        """The messages as (millis, Stanza), oldest first; none are left."""
        taken = [(message.millis, message.stanza) for message in self._messages]
        self._messages, self._bytes = [], 0
        return taken

    def __len__(self):
        return len(self._messages)

    def _remove(self, message):
        self._messages.remove(message)
        self._bytes -= message.size
