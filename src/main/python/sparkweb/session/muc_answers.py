"""What a session's rooms wait for (session.muc): the answer a REST call awaits from a room,
and the ids of the messages the session posted."""
from __future__ import absolute_import

from java.util.concurrent import ConcurrentHashMap, ConcurrentLinkedQueue, CountDownLatch, \
    TimeUnit

ANSWER_SECONDS = 10        # how long a REST call waits for the room's answer
POSTED_IDS = 500           # posted message ids remembered for "mine"


class Answer(object):
    """One awaited answer: the first stanza offered wins."""

    def __init__(self):
        self._latch = CountDownLatch(1)
        self.stanza = None

    def offer(self, stanza):
        if self._latch.getCount():
            self.stanza = stanza
            self._latch.countDown()

    def wait(self, seconds=ANSWER_SECONDS):
        getattr(self._latch, "await")(seconds, TimeUnit.SECONDS)
        return self.stanza


class PostedIds(object):
    """The ids of the last :data:`POSTED_IDS` messages the session posted, which rooms echo
    (XEP-0045 7.4): what makes a room message ``mine`` (a nickname is not: an earlier occupant
    may have had it)."""

    def __init__(self):
        self._ids = ConcurrentHashMap()
        self._order = ConcurrentLinkedQueue()

    def add(self, message_id):
        self._ids.put(message_id, True)
        self._order.add(message_id)
        while self._order.size() > POSTED_IDS:
            oldest = self._order.poll()
            if oldest is not None:
                self._ids.remove(oldest)

    def contains(self, message_id):
        return message_id is not None and self._ids.containsKey(message_id)
