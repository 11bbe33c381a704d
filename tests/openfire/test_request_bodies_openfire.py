"""Request bodies on a real Openfire: a body slower than the read deadline (default 10 s) is
answered 408, and neither that nor clients that abandon their bodies put an error or a stack
trace into Openfire's log (issue 8.6: each was an ERROR with a traceback)."""
from harness import raw_http

DEFAULT_DEADLINE_SECONDS = 10
LOUD_SIGNS = ("ERROR", "WARN", "Traceback", "\tat ")


def partial_body(target, path):
    sock = raw_http.connect(target.base_url, timeout=DEFAULT_DEADLINE_SECONDS + 20)
    sock.sendall(raw_http.request_head("POST", "/sparkweb/api/rest" + path, "localhost", [
        ("Content-Type", "text/plain"), ("Content-Length", "100")]) + b"0123456789")
    return sock


def test_abandoned_and_too_slow_bodies_are_not_errors_in_openfires_log(server, target):
    log_before = len(server.log_text())
    for number in range(5):
        partial_body(target, "/login/nobody%d" % number).close()
    slow = partial_body(target, "/login/alice")
    try:
        answer = raw_http.read_answer(slow)     # the deadline passes: the abandoned ones are long done
    finally:
        slow.close()
    assert answer.status == 408 and answer.json()["error"] == "request_timeout", answer
    new_lines = server.log_text()[log_before:].splitlines()
    loud = [line for line in new_lines if any(sign in line for sign in LOUD_SIGNS)]
    assert not loud, "request bodies logged loudly in Openfire's log:\n" + "\n".join(loud[:20])
