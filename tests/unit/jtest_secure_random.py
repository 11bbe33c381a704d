"""Random ids: each thread draws them from a SecureRandom of its own (issue 16)."""
from __future__ import absolute_import

from java.security import SecureRandom
from java.util import UUID
from java.util.concurrent import ConcurrentHashMap, ConcurrentLinkedQueue

from sparkweb import secure_random
from support import run_together


def test_each_thread_draws_ids_from_a_generator_of_its_own():
    """Before: every id came from UUID.randomUUID(), one SecureRandom shared by all threads."""
    seen = ConcurrentLinkedQueue()

    def draw(index):
        mine = secure_random.id_generator()
        assert isinstance(mine, SecureRandom), mine
        assert secure_random.id_generator() is mine, "a thread got two generators"
        seen.add(mine)
    run_together(8, draw)
    assert len(set(id(g) for g in seen)) == 8, "threads shared a generator"


def test_random_ids_are_version_4_uuids_unique_across_threads():
    ids = ConcurrentHashMap.newKeySet()
    run_together(8, lambda index: [ids.add(secure_random.random_id()) for _ in range(500)])
    assert ids.size() == 4000, "repeated ids: %d distinct of 4000" % ids.size()
    for text in list(ids)[:200]:
        parsed = UUID.fromString(text)
        assert parsed.version() == 4 and parsed.variant() == 2 and parsed.toString() == text, \
            text


def test_random_bytes_are_filled_and_differ():
    first, second = secure_random.random_bytes(32), secure_random.random_bytes(32)
    assert len(first) == 32 and any(first) and list(first) != list(second), list(first)
