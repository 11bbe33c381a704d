"""The event-stream client side shared by the SSE benchmarks (session_lock_bench,
push_storm_bench): sign-in, a raw event stream reader, REST sends at a fixed rate, and the
REST-in -> SSE-out latency of chat messages stamped with their send time.

sse_bench and sidebyside_bench measure with sidebyside.latency instead (markers scanned in raw
bytes on every path); these helpers parse each event, which the benchmarks using them need.
"""
import asyncio
import json
import time
import urllib.parse

import aiohttp

from sidebyside.latency import _ms, _ticker as ticker, percentile  # noqa: F401 (re-exported)


def summary(latencies_ms, sent):
    return {"sent": sent, "received": len(latencies_ms),
            "p50_ms": round(percentile(latencies_ms, 0.50), 2) if latencies_ms else None,
            "p99_ms": round(percentile(latencies_ms, 0.99), 2) if latencies_ms else None,
            "max_ms": round(max(latencies_ms), 2) if latencies_ms else None}


async def open_stream(base, token, on_event=None, opened=None):
    """A raw SSE connection; calls on_event(name, data) per event until cancelled."""
    url = urllib.parse.urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(("GET /sparkweb/sse?token=%s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream"
                  "\r\n\r\n" % (token, url.netloc)).encode())
    await writer.drain()
    name, data = None, None
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text.startswith("event: "):
                name = text[7:]
            elif text.startswith("data: "):
                data = text[6:]
            elif text == "" and name:
                if name == "onConnect" and opened is not None:
                    opened()
                if on_event is not None:
                    on_event(name, data)
                name, data = None, None
    finally:
        writer.close()


async def login(session, rest, username, password):
    async with session.post(rest + "/login/" + username, data=password) as response:
        return (await response.json())["token"]


async def rest_to_sse_latency(base, users, rate, seconds, cpu=None):
    rest = base + "/sparkweb/api/rest"
    latencies, send_lags, loop_lags, stop = [], [], [], asyncio.Event()
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        alice = await login(session, rest, "alice", users["alice"])
        bob = await login(session, rest, "bob", users["bob"])

        def received(name, data):
            if name == "chatapi.chat":
                body = json.loads(data).get("body") or ""
                if body.startswith("bench "):
                    latencies.append((time.time() - float(body.split()[1])) * 1000)
        reader = asyncio.ensure_future(open_stream(base, bob, on_event=received))
        await asyncio.sleep(1)
        await send_at_rate(max(rate // 4, 1), 5, lambda: session.post(   # JIT warm-up
            rest + "/chat/message/bob", data="warm-up", headers={"Authorization": alice}))
        await asyncio.sleep(1)
        del latencies[:]
        watching = asyncio.ensure_future(ticker(loop_lags, stop))
        if cpu is not None:
            cpu.start()
        sent = await send_at_rate(rate, seconds, lambda: session.post(
            rest + "/chat/message/bob", data="bench %.6f" % time.time(),
            headers={"Authorization": alice}), send_lags)
        await asyncio.sleep(3)
        shares = cpu.stop() if cpu is not None else {}
        stop.set()
        await watching
        reader.cancel()
    result = summary(latencies, sent)
    result["cpu_percent_of_one_core"] = shares     # server, client, stream_holder
    client = {"send_lag_p99_ms": _ms(percentile(send_lags, 0.99)),
              "send_lag_max_ms": _ms(max(send_lags) if send_lags else None),
              "loop_lag_p99_ms": _ms(percentile(loop_lags, 0.99)),
              "loop_lag_max_ms": _ms(max(loop_lags) if loop_lags else None)}
    client["limited_by_client"] = bool((client["loop_lag_p99_ms"] or 0) > 10 or
                                       (client["send_lag_p99_ms"] or 0) > 10 or
                                       shares.get("client", 0) > 85)
    result["client_limits"] = client
    return result


async def send_at_rate(rate, seconds, make_request, lags=None):
    """Starts make_request() ``rate`` times a second for ``seconds``; returns how many.
    ``lags``: gets how late each send left against its schedule (ms)."""
    pending, sent = set(), 0
    started = time.time()
    total = int(rate * seconds)
    while sent < total and time.time() - started < seconds * 3:
        due = started + sent / float(rate)
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if lags is not None:
            lags.append((time.time() - due) * 1000)
        pending.add(asyncio.ensure_future(_drain(make_request())))
        sent += 1
        pending = set(task for task in pending if not task.done())
    await asyncio.gather(*pending, return_exceptions=True)
    return sent


async def _drain(request):
    async with request as response:
        await response.read()
