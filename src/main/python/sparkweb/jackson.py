"""Jackson factories whose buffers are recycled in a pool of their own.

Jackson's default pool keeps a BufferRecycler per thread: a ThreadLocal in every Jetty thread
that parsed a token or a passkey, which kept SparkWeb's classes, and so its classloader, alive
after an unload until memory ran short.
"""
from __future__ import absolute_import

from com.fasterxml.jackson.core.util import JsonRecyclerPools


def pooled(builder):
    """The factory of a Jackson factory builder (JSON, CBOR, ...), with its own buffer pool."""
    return builder.recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build()
