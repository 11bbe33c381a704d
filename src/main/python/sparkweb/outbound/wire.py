"""HTTP/1.1 on a socket the client already connected to a checked address: one request, one
response; the connection is closed after unless the caller keeps it for the next request (push
services, outbound.pool) and the answer allows it (``Response.reusable``). Written out here instead of using a library client
because none of Java's lets us name the address to connect to while sending the host's name
(Host header, TLS server name): they resolve the name again, which is what DNS rebinding
exploits. No compression is asked for, so bodies arrive as sent."""
from __future__ import absolute_import

import jarray
from java.io import ByteArrayOutputStream
from java.lang import String, System
from java.util import Arrays
from java.net import SocketTimeoutException

from sparkweb.outbound.errors import Failed

MAX_HEADER_BYTES = 64 * 1024
LINE_BLOCK = 4096      # bytes read at a time for a line (the reader's buffer holds twice that)
BUFFER_BYTES = 2 * LINE_BLOCK
NO_BODY_STATUSES = (204, 304)


class Response(object):
    """``status``, ``headers`` (lower-case name, value pairs), ``body`` (Java byte[]), ``url``
    (the one that answered, after redirects), ``truncated`` (more body was there than read),
    ``reusable`` (the connection may carry another request: HTTP/1.1 without ``Connection:
    close``, the body read to the end its Content-Length announced)."""

    def __init__(self, status, headers, body, truncated, url=None, reusable=False):
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
        self.url = url
        self.reusable = reusable

    def header(self, name):
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None


def write_request(output, method, target, headers, body, keep_alive=False):
    lines = ["%s %s HTTP/1.1" % (method, target.path), "Host: %s" % target.authority]
    lines += ["%s: %s" % (name, value) for name, value in headers]
    if body is not None:
        lines.append("Content-Length: %d" % len(body))
    if not keep_alive:
        lines.append("Connection: close")
    lines += ["", ""]
    output.write(jarray.array("\r\n".join(lines).encode("iso-8859-1"), "b"))
    if body is not None:
        output.write(body)
    output.flush()


class Reader(object):
    """Reads from ``stream`` until ``deadline`` (System.currentTimeMillis) at the latest.
    ``buffer``: a byte[] of BUFFER_BYTES to read into (a kept connection reuses its own)."""

    def __init__(self, stream, socket, deadline, buffer=None):
        self._stream = stream
        self._socket = socket
        self._deadline = deadline
        self.buffer = buffer if buffer is not None else new_buffer()

    def _wait(self):
        remaining = self._deadline - System.currentTimeMillis()
        if remaining <= 0:
            raise Failed("timeout", "The server took too long to answer.")
        self._socket.setSoTimeout(int(remaining))

    def chunk(self, limit):
        self._wait()
        try:
            return self._stream.read(self.buffer, 0, min(limit, len(self.buffer)))
        except SocketTimeoutException:
            raise Failed("timeout", "The server took too long to answer.")

    def head(self):
        """The lines of the answer's head, up to the empty line that ends it, without their
        line ends. Read in blocks, the bytes past the head given back (mark and reset), as
        ``line`` does: one block usually holds a push service's whole answer, so this is one
        read and one decoding instead of one per line (profile of bench/push_bench.py)."""
        text = u""
        while True:
            self._wait()
            self._stream.mark(len(self.buffer))   # twice what is read: the mark holds
            try:
                count = self._stream.read(self.buffer, 0, LINE_BLOCK)
            except SocketTimeoutException:
                raise Failed("timeout", "The server took too long to answer.")
            if count < 0:
                raise Failed("protocol", "The server closed the connection mid-answer.")
            before = len(text)
            text += unicode(String(self.buffer, 0, count, "ISO-8859-1"))
            end = _head_end(text, max(0, before - 3))
            if end >= 0:   # past whatever an earlier block held: it ends in this one
                self._stream.reset()
                self._stream.skip(end - before)
                return [line.rstrip(u"\r").encode("iso-8859-1")
                        for line in text[:end].split(u"\n")[:-2]]
            if len(text) > MAX_HEADER_BYTES:
                raise Failed("protocol", "The server's answer has overlong headers.")

    def line(self):
        """The next line, without its CR LF. Read in blocks and given back past the line's end
        (the stream is buffered: mark and reset), not a byte at a time: byte by byte through
        Jython, the answer's head was half of a push's time in the client (profile)."""
        data = []
        size = 0
        while True:
            self._wait()
            self._stream.mark(len(self.buffer))   # twice what is read: the mark holds
            try:
                count = self._stream.read(self.buffer, 0, LINE_BLOCK)
            except SocketTimeoutException:
                raise Failed("timeout", "The server took too long to answer.")
            if count < 0:
                raise Failed("protocol", "The server closed the connection mid-answer.")
            text = unicode(String(self.buffer, 0, count, "ISO-8859-1"))
            end = text.find(u"\n")
            if end >= 0:
                self._stream.reset()
                self._stream.skip(end + 1)
                data.append(text[:end].encode("iso-8859-1"))
                return "".join(data).rstrip("\r")
            data.append(text.encode("iso-8859-1"))
            size += count
            if size > MAX_HEADER_BYTES:
                raise Failed("protocol", "The server's answer has overlong headers.")


def new_buffer():
    return jarray.zeros(BUFFER_BYTES, "b")


def _head_end(text, start):
    """The index just past the empty line ending a head in ``text`` (searched from
    ``start``), or -1."""
    ends = [index + length for index, length in ((text.find(u"\n\r\n", start), 3),
                                                 (text.find(u"\n\n", start), 2)) if index >= 0]
    return min(ends) if ends else -1


def read_response(reader, method, max_bytes):
    while True:
        version, status, headers = _read_head(reader)
        if not 100 <= status < 200:
            break
    persistent = version == "HTTP/1.1" and "close" not in [
        token.strip() for token in (_header(headers, "connection") or "").lower().split(",")]
    if method == "HEAD" or status in NO_BODY_STATUSES:
        return Response(status, headers, jarray.zeros(0, "b"), False, reusable=persistent)
    body, truncated = _read_body(reader, headers, max_bytes)
    # Only a plain Content-Length marks the end for sure (chunked answers are not reused: their
    # trailers are not read).
    delimited = (_header(headers, "content-length") or "").strip().isdigit() and \
        not _header(headers, "transfer-encoding")
    return Response(status, headers, body, truncated,
                    reusable=persistent and delimited and not truncated)


def _read_head(reader):
    lines = reader.head()
    parts = lines[0].split(" ", 2) if lines else []
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise Failed("protocol", "The server did not answer in HTTP/1.x.")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers.append((name.strip().lower(), value.strip()))
    return parts[0], int(parts[1]), headers


def _header(headers, name):
    for key, value in headers:
        if key == name:
            return value
    return None


def _read_body(reader, headers, max_bytes):
    collected = ByteArrayOutputStream()
    if "chunked" in (_header(headers, "transfer-encoding") or "").lower():
        truncated = _read_chunks(reader, collected, max_bytes)
    else:
        length = _header(headers, "content-length")
        length = int(length) if length and length.strip().isdigit() else None
        truncated = _copy(reader, collected, length, max_bytes)
    body = collected.toByteArray()
    if len(body) > max_bytes:
        return Arrays.copyOf(body, max_bytes), True
    return body, truncated


def _copy(reader, collected, length, max_bytes):
    """Copies the next ``length`` bytes (None: up to the end of the stream) into ``collected``
    until it holds one byte more than ``max_bytes``; True when it stopped for that reason."""
    copied = 0
    while length is None or copied < length:
        room = max_bytes + 1 - collected.size()
        if room <= 0:
            return True
        count = reader.chunk(room if length is None else min(room, length - copied))
        if count < 0:
            if length is not None:
                raise Failed("protocol", "The server closed the connection mid-body.")
            return False
        collected.write(reader.buffer, 0, count)
        copied += count
    return False


def _read_chunks(reader, collected, max_bytes):
    while True:
        size_text = reader.line().split(";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise Failed("protocol", "The server sent a malformed chunk.")
        if size == 0:
            return False
        if _copy(reader, collected, size, max_bytes):
            return True
        reader.line()
