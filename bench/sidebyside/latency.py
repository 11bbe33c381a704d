"""Open-loop latency: messages at a fixed rate, each stamped with its send time, timed to the
moment the recipient's connection delivers it.

The generator watches itself: ``send_lag`` is how late each send left against its schedule, and
``loop_lag`` how late a 5 ms ticker on the same event loop woke up (a busy loop also delays
reading the recipient's bytes, which would count as server latency). When either is large the
generator, not the server, is the limit, and the table says so.
"""
import asyncio
import collections
import time

import aiohttp

from sidebyside.marker import marker

WARM_UP_IDS = 0
MEASURED_IDS = 10 ** 7


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def _ms(value):
    return None if value is None else round(value, 2)


class Run(object):
    """Collects arrivals of markers numbered from ``first``."""

    def __init__(self):
        self.first = None
        self.latencies = {}

    def arrived(self, number, sent_at, received_at):
        if self.first is not None and number >= self.first and number not in self.latencies:
            self.latencies[number] = (received_at - sent_at) * 1000


class RestSender(object):
    """POSTs on a pool of keep-alive connections; counts the answers' statuses."""

    def __init__(self, url, make_body, headers):
        self.url, self.make_body, self.headers = url, make_body, headers
        self.session = None
        self.statuses = collections.Counter()
        self.pending = set()

    async def __aenter__(self):
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        return self

    async def __aexit__(self, *exc):
        """Waits (bounded) for the answers; a server that fell behind leaves some unanswered,
        counted as such instead of failing the row."""
        if self.pending:
            done, late = await asyncio.wait(set(self.pending), timeout=30)
            for task in late:
                task.cancel()
            if late:
                self.statuses["unanswered after 30 s"] += len(late)
                await asyncio.gather(*late, return_exceptions=True)
        await self.session.close()

    def __call__(self, text):
        task = asyncio.ensure_future(self._post(text))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _post(self, text):
        try:
            async with self.session.post(self.url, data=self.make_body(text),
                                         headers=self.headers) as response:
                await response.read()
                self.statuses[str(response.status)] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as failure:
            self.statuses[type(failure).__name__] += 1


async def _ticker(lags, stop):
    while not stop.is_set():
        due = time.monotonic() + 0.005
        await asyncio.sleep(0.005)
        lags.append((time.monotonic() - due) * 1000)


async def _at_rate(send, run, first, rate, seconds, lags):
    started = time.monotonic()
    total = int(rate * seconds)
    for i in range(total):
        due = started + i / float(rate)
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        if lags is not None:
            lags.append((now - due) * 1000)
        send(marker(first + i, now))
        if now - started > seconds * 3:      # bounded even when sending itself stalls
            return i + 1
    return total


async def measure(send, run, rate, seconds, warm_up_seconds=3, settle_seconds=5, cpu=None):
    """Warm-up at ``rate`` (not counted), then ``seconds`` measured; a summary dict. ``cpu``:
    an object whose start() and stop() bracket the measured part and its settling, stop()'s
    answer going into the summary as ``cpu_percent_of_one_core``."""
    await _at_rate(send, run, WARM_UP_IDS, rate, warm_up_seconds, None)
    await asyncio.sleep(0.5)
    run.first = MEASURED_IDS
    send_lags, loop_lags, stop = [], [], asyncio.Event()
    ticker = asyncio.ensure_future(_ticker(loop_lags, stop))
    measured_from = time.time()         # wall clock: to match the server's logs
    if cpu is not None:
        cpu.start()
    sent = await _at_rate(send, run, MEASURED_IDS, rate, seconds, send_lags)
    deadline = time.monotonic() + settle_seconds
    while len(run.latencies) < sent and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stop.set()
    await ticker
    measured_to = time.time()
    shares = cpu.stop() if cpu is not None else None
    values = list(run.latencies.values())
    summary = {"rate": rate, "seconds": seconds, "sent": sent, "received": len(values),
            "p50_ms": _ms(percentile(values, 0.50)), "p99_ms": _ms(percentile(values, 0.99)),
            "max_ms": _ms(max(values) if values else None),
            "send_lag_p99_ms": _ms(percentile(send_lags, 0.99)),
            "send_lag_max_ms": _ms(max(send_lags) if send_lags else None),
            "loop_lag_p99_ms": _ms(percentile(loop_lags, 0.99)),
            "measured_from": round(measured_from, 3), "measured_to": round(measured_to, 3)}
    if shares is not None:
        summary["cpu_percent_of_one_core"] = shares
    return summary
