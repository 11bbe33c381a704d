"""A loopback web server with scripted pages for the link-preview tests, a listener that
records connections (to prove refused previews never connect), and a server that accepts
connections and never answers."""
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURE_HOST = "127.0.0.3"    # allow-listed in harness.target.TEST_PROPERTIES


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, dict(self.headers)))
        page = server.pages.get(self.path.split("?")[0])
        if page is None:
            page = (404, [("Content-Type", "text/plain")], b"no such page")
        if callable(page):
            return page(self)
        status, headers, body = page
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class WebFixture(object):
    """``pages``: path -> (status, headers, body bytes) or a function of the handler."""

    def __init__(self, host=FIXTURE_HOST):
        self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.server.pages = {}
        self.server.requests = []
        self.pages = self.server.pages
        self.requests = self.server.requests
        self.host = host
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class RecordingListener(object):
    """Accepts and records every connection; with ``hold`` keeps them open, never answering."""

    def __init__(self, host="127.0.0.1", hold=False):
        self.socket = socket.socket()
        self.socket.bind((host, 0))
        self.socket.listen(50)
        self.port = self.socket.getsockname()[1]
        self.host = host
        self.hold = hold
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)
            if not self.hold:
                connection.close()

    def stop(self):
        self.socket.close()
        for connection in self.accepted:
            connection.close()
