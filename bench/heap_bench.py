"""Heap benchmark: what large messages to a user whose event stream never reads cost.

    python3 bench/heap_bench.py [--target devhost|openfire] [--heap 2g]
                                [--large 40] [--medium 600] [--medium-kib 60]

The attack of issue 9.5: a signed-in user opens one event stream and never reads it (a small
receive buffer, never drained), then sends messages to herself. Two rounds, each measured as
the server's heap in use after a full GC (``jcmd GC.run``):
1. ``--large`` messages of almost 1 MiB (just under the request body limit);
2. ``--medium`` messages of ``--medium-kib`` KiB (under the default message limit, 64 KiB).
Prints one JSON line: the heap before and after each round, how each round's sends were
answered, and whether the stalled stream was closed. Build first (gradle assemble). Every
loop is bounded; traffic stays on loopback.
"""
import argparse
import collections
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse

import httpx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from harness.devhost import DevHost  # noqa: E402
from harness.openfire import LocalOpenfire  # noqa: E402


def heap_used_mb(pid):
    """Heap in use after a full GC, in MB."""
    subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=120)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True,
                         timeout=60).stdout
    for line in out.splitlines():
        if "used" in line and "total" in line:
            return int(line.split("used")[1].split()[0].rstrip("K")) // 1024
    return None


def stalled_stream(base_url, token):
    """An event stream (4 KiB receive buffer) read up to its onConnect event, then never."""
    url = urllib.parse.urlsplit(base_url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)
    sock.connect((url.hostname, url.port))
    sock.sendall(("GET /sparkweb/sse?token=%s HTTP/1.1\r\nHost: %s\r\n\r\n"
                  % (token, url.netloc)).encode())
    seen = b""
    while b"event: onConnect" not in seen:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("stream ended before onConnect: %r" % seen[:300])
        seen += chunk
    return sock


def stream_closed_by_server(sock):
    """True when the server has closed the stalled stream (drains what it had sent)."""
    sock.setblocking(False)
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def send_round(client, count, size):
    answers = collections.Counter()
    body = ("x" * size).encode()
    for _ in range(count):
        answers[client.post("/chat/message/alice", content=body,
                            headers={"Content-Type": "text/plain"}).status_code] += 1
    return dict((str(status), n) for status, n in answers.items())


def run(target, pid, args):
    token = target.login("alice")
    result = {"target": target.name, "heap": args.heap}
    sock = stalled_stream(target.base_url, token)
    try:
        with target.client(token) as client:
            result["heap_mb_start"] = heap_used_mb(pid)
            rounds = (("large", args.large, 1024 * 1024 - 256),
                      ("medium", args.medium, args.medium_kib * 1024))
            for name, count, size in rounds:
                started = time.time()
                answers = send_round(client, count, size)
                result[name] = {"messages": count, "bytes_each": size, "answers": answers,
                                "seconds": round(time.time() - started, 1),
                                "heap_mb_after": heap_used_mb(pid)}
        result["stalled_stream_closed"] = stream_closed_by_server(sock)
    finally:
        sock.close()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=("devhost", "openfire"), default="devhost")
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--large", type=int, default=40)
    parser.add_argument("--medium", type=int, default=600)
    parser.add_argument("--medium-kib", type=int, default=60)
    args = parser.parse_args()
    if args.target == "openfire":
        if not os.environ.get("OPENFIRE_HOME"):
            sys.exit("--target openfire needs OPENFIRE_HOME")
        server = LocalOpenfire(os.environ["OPENFIRE_HOME"], java_options="-Xmx" + args.heap,
                               properties={})
    else:
        server = DevHost(jvm_options=["-Xmx" + args.heap], properties={})   # defaults
    target = server.start()
    try:
        print(json.dumps(run(target, server.process.pid, args)))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
