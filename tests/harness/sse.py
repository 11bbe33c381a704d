"""A test EventSource: reads a SparkWeb event stream on a thread and queues parsed events."""
import http.client
import json
import queue
import socket
import threading
import time
import urllib.parse


class Event(object):
    def __init__(self, name, data, event_id, text=None):
        self.name = name
        self.data = data
        self.id = event_id
        self.text = text      # the data line as sent, for checks stricter than json.loads

    def __repr__(self):
        return "<%s %s %s>" % (self.id, self.name, self.data)


class EventStream(object):
    """Reads the stream over a plain HTTP connection whose socket the test owns, so that
    close() drops the TCP connection the way a closing browser tab does."""

    def __init__(self, target, token, last_event_id=None, raw=False, use_header=False):
        self.events = queue.Queue()
        self.retry = None
        self.comments = 0
        self.status = None
        self.headers = None
        self._closed = threading.Event()
        query = {} if use_header else {"token": token}
        if raw:
            query["raw"] = "true"
        headers = {"Authorization": "Bearer " + token} if use_header else {}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        url = urllib.parse.urlsplit(target.base_url)
        self._connection = http.client.HTTPConnection(url.hostname, url.port, timeout=None)
        self._connection.request("GET", "/sparkweb/sse?" + urllib.parse.urlencode(query),
                                 headers=headers)
        response = self._connection.getresponse()
        self.status, self.headers = response.status, response.headers
        self._thread = threading.Thread(target=self._read, args=(response,), daemon=True)
        self._thread.start()

    def _read(self, response):
        fields = {}
        try:
            while not self._closed.is_set():
                line = response.readline()
                if not line:
                    break
                self._line(line.decode("utf-8").rstrip("\r\n"), fields)
        except (OSError, ValueError, http.client.HTTPException):
            pass

    def _line(self, line, fields):
        if line == "":
            if "data" in fields:
                self.events.put(Event(fields.get("event", "message"),
                                      json.loads(fields["data"]), fields.get("id"),
                                      fields["data"]))
            fields.clear()
        elif line.startswith(":"):
            self.comments += 1
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "retry":
                self.retry = int(value)
            else:
                fields[name] = value

    def next(self, name=None, timeout=15, where=lambda event: True):
        """The next event named ``name`` matching ``where``; others before it are dropped."""
        deadline = time.time() + timeout
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError("no %s event within %ss" % (name or "", timeout))
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if (name is None or event.name == name) and where(event):
                return event

    def ended(self, timeout):
        """True when the server ends the stream within ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self):
        """Drops the TCP connection at once, as a closing browser tab does."""
        self._closed.set()
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._connection.close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
