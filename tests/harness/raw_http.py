"""HTTP/1.1 over a plain socket, for what an HTTP client library will not send: a body slower
or shorter than its Content-Length, a Content-Length the body never reaches, a path byte for
byte as written."""
import json
import socket
import urllib.parse


def address(base_url):
    url = urllib.parse.urlsplit(base_url)
    return url.hostname, url.port


def request_head(method, path, host, headers=()):
    """The request line and headers, ready to send (no body)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
    lines += ["%s: %s" % (name, value) for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def connect(base_url, timeout=10):
    sock = socket.create_connection(address(base_url), timeout=timeout)
    sock.settimeout(timeout)
    return sock


class Answer(object):
    """A parsed response: status, headers (lower-case names) and body bytes."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%s %r %r>" % (self.status, self.headers, self.body[:300])


def read_answer(sock):
    """Reads one response (Content-Length framed, or up to the end of the connection).
    Raises socket.timeout when the server does not answer within the socket's timeout."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before a response: %r" % data)
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length")
    while length is None or len(body) < int(length):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(status, headers, body)


def is_closed_by_server(sock):
    """True when the server has closed the connection (the next read sees its end)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
