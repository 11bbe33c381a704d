"""REST-in -> SSE-out latency (bench/sse_client.py's measurement) with and without a Web Push
storm on the same dev host, as a ratio of the p99s.

    python3 bench/push_storm_bench.py [--rate 300] [--seconds 10] [--storm 50] [--devices 20]

The storm: carol publishes ``--storm`` notifications a second to her own ``--devices``
subscriptions at the local push service (so ``storm * devices`` encrypted pushes a second),
while alice's messages to bob are timed from REST call to bob's event stream. Build first.
"""
import argparse
import asyncio
import json
import os
import sys

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from harness.devhost import DevHost  # noqa: E402
from harness.target import TEST_PROPERTIES  # noqa: E402
from push_bench import CountingPushService  # noqa: E402
from sse_client import login, rest_to_sse_latency, send_at_rate  # noqa: E402


async def storm(target, devices, rate, seconds):
    rest = target.rest_url
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:
        carol = await login(session, rest, "carol", target.users["carol"])
        return await send_at_rate(rate, seconds, lambda: session.post(
            rest + "/webpush/publish/carol", json={"body": "storm"},
            headers={"Authorization": carol}))


async def measure(target, args, service, with_storm):
    before = service.counted
    tasks = [rest_to_sse_latency(target.base_url, target.users, args.rate, args.seconds)]
    if with_storm:
        tasks.append(storm(target, args.devices, args.storm, args.seconds + 8))
    results = await asyncio.gather(*tasks)
    latency = results[0]
    latency["pushes_received"] = service.counted - before
    return latency


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--storm", type=int, default=50)
    parser.add_argument("--devices", type=int, default=20)
    args = parser.parse_args()
    service = CountingPushService()
    properties = dict(TEST_PROPERTIES)
    properties.update({"sparkweb.webpush.publishPerMinute": "100000",
                       "sparkweb.webpush.queueSize": "100000",
                       "sparkweb.webpush.maxSubscriptionsPerUser": str(max(10, args.devices))})
    host = DevHost(jvm_options=["-Xmx1g"], properties=properties)
    target = host.start(timeout=300)   # Jython boots slowly on a loaded machine
    try:
        with target.client(target.login("carol")) as carol:
            for n in range(args.devices):
                answer = carol.post("/webpush/subscribe/storm%d" % n, json=service.subscription(
                    "storm%d" % n).json())
                assert answer.status_code == 200, answer.text
        quiet = asyncio.run(measure(target, args, service, False))
        stormy = asyncio.run(measure(target, args, service, True))
    finally:
        host.stop()
        service.close()
    result = {"without_storm": quiet, "with_storm": stormy,
              "storm_pushes_per_second_requested": args.storm * args.devices,
              "ratio_p99": round(stormy["p99_ms"] / quiet["p99_ms"], 2)
              if quiet["p99_ms"] and stormy["p99_ms"] else None,
              "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
