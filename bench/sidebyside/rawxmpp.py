"""A minimal XMPP client on asyncio for the benchmark: sign in (STARTTLS only when the server
demands it, SASL PLAIN, resource binding, presence), send chat messages, and report the
benchmark's messages as they arrive.

Deliberately not slixmpp: its stanza parsing costs far more per message than reading an event
stream does, which would count against the XMPP paths in the comparison. Every peer here is
read the same way, by scanning the bytes for the benchmark's marker.
"""
import asyncio
import base64
import ssl

from sidebyside.marker import MarkerScanner

STREAM = ("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>")


class XmppError(Exception):
    pass


class RawXmpp(object):
    """One signed-in connection; ``on_marker(id, sent_at)`` is called per benchmark message."""

    def __init__(self, host, port, domain, user, password, resource="bench"):
        self.host, self.port, self.domain = host, port, domain
        self.user, self.password, self.resource = user, password, resource
        self.reader = self.writer = None
        self._task = None

    async def connect(self, timeout=30):
        await asyncio.wait_for(self._sign_in(), timeout)
        return self

    async def _sign_in(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        features = await self._open()
        if "<starttls" in features and "<required" in features.split("<starttls", 1)[1][:200]:
            self.writer.write(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            await self._until("<proceed", "<failure")
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE      # the test server's self-signed certificate
            await self.writer.start_tls(context)
            features = await self._open()
        if "PLAIN" not in features:
            raise XmppError("%s:%d offers no SASL PLAIN: %s" % (self.host, self.port, features))
        plain = base64.b64encode(("\0%s\0%s" % (self.user, self.password)).encode()).decode()
        self.writer.write(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                           "%s</auth>" % plain).encode())
        if "<success" not in await self._until("<success", "<failure"):
            raise XmppError("SASL PLAIN refused for %s" % self.user)
        await self._open()
        self.writer.write(("<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:"
                           "xmpp-bind'><resource>%s</resource></bind></iq>"
                           % self.resource).encode())
        await self._until("</iq>")
        self.writer.write(b"<iq type='set' id='sess1'><session xmlns='urn:ietf:params:xml:"
                          b"ns:xmpp-session'/></iq><presence/>")
        await self.writer.drain()

    async def _open(self):
        self.writer.write((STREAM % self.domain).encode())
        return await self._until("</stream:features>")

    async def _until(self, *markers):
        seen = ""
        while not any(marker in seen for marker in markers):
            chunk = await self.reader.read(65536)
            if not chunk:
                raise XmppError("the server closed the stream: %s" % seen[-500:])
            seen += chunk.decode("utf-8", "replace")
        return seen

    def listen(self, on_marker):
        """Starts reading in the background; every marker seen goes to ``on_marker``."""
        scanner = MarkerScanner(on_marker)

        async def read():
            while True:
                chunk = await self.reader.read(262144)
                if not chunk:
                    return
                scanner.feed(chunk)
        self._task = asyncio.ensure_future(read())

    def send_chat(self, to, body):
        self.writer.write(("<message to='%s' type='chat'><body>%s</body></message>"
                           % (to, body)).encode())

    async def close(self):
        if self._task is not None:
            self._task.cancel()
        try:
            self.writer.write(b"</stream:stream>")
            self.writer.close()
        except Exception:                       # already gone
            pass
