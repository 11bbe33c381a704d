"""An event-stream reader on asyncio for the benchmark: raw HTTP/1.1, waits for ``onConnect``,
then scans the bytes for the benchmark's marker (sidebyside.marker), as rawxmpp does."""
import asyncio

from sidebyside.marker import MarkerScanner


class SseReader(object):
    def __init__(self, host, port, token):
        self.host, self.port, self.token = host, port, token
        self.reader = self.writer = None
        self._task = None

    async def connect(self, timeout=30):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(("GET /sparkweb/sse?token=%s HTTP/1.1\r\nHost: %s:%d\r\n"
                           "Accept: text/event-stream\r\n\r\n"
                           % (self.token, self.host, self.port)).encode())
        seen = b""

        async def greeting():
            nonlocal seen
            while b"event: onConnect" not in seen:
                chunk = await self.reader.read(65536)
                if not chunk:
                    raise RuntimeError("event stream ended before onConnect: %r" % seen[:300])
                seen += chunk
        await asyncio.wait_for(greeting(), timeout)
        return self

    def listen(self, on_marker):
        scanner = MarkerScanner(on_marker)

        async def read():
            while True:
                chunk = await self.reader.read(262144)
                if not chunk:
                    return
                scanner.feed(chunk)
        self._task = asyncio.ensure_future(read())

    async def close(self):
        if self._task is not None:
            self._task.cancel()
        self.writer.close()
