"""Run by bench/push_bench.py inside Jython: SparkWeb's push sender (webpush-java encryption,
VAPID header, the guarded outbound client) on the in-memory Openfire, sending ``count``
notifications spread over the subscriptions read from ``subscriptions.json`` (made by the
local push service). Prints one JSON line: pushes per second and the sender's counts."""
import json
import sys
import time
import urlparse

from java.lang import System
from java.lang.management import ManagementFactory

from sparkweb import config
from sparkweb.openfire.facade import PushSubscriptionRecord
from sparkweb.openfire.memory import MemoryOpenfire
from sparkweb.push.notifications import Notification
from sparkweb.services import build_services


def main(path, count, threads):
    openfire = MemoryOpenfire(u"example.test")
    subscriptions = json.load(open(path))
    # The service's own address (127.0.0.4 now), not a guess: a refusal must not pass for a push.
    hosts = u",".join(sorted(set(urlparse.urlsplit(s["endpoint"]).hostname
                                 for s in subscriptions)))
    for name, value in ((config.OUTBOUND_ALLOW.key, hosts),
                        (config.WEBPUSH_HTTP_HOSTS.key, hosts),
                        (config.WEBPUSH_THREADS.key, unicode(threads)),
                        (config.WEBPUSH_QUEUE.key, unicode(count * 2))):
        openfire.set_property(name, value)
    users = []
    for index, subscription in enumerate(subscriptions):
        username = u"user%d" % index
        openfire.add_user(username, u"x")
        openfire.save_push_subscription(PushSubscriptionRecord(
            username, u"bench", subscription["endpoint"], subscription["keys"]["p256dh"],
            subscription["keys"]["auth"], None, System.currentTimeMillis()), 10)
        users.append(username)
    app = build_services(openfire)
    sender = app.webpush.sender
    body = u"x" * 200
    try:
        total = 0
        for round_count, report in ((min(count // 5, 500), False), (count, True)):  # warm-up
            before = sender.counts()
            total += round_count
            cpu_before = ManagementFactory.getOperatingSystemMXBean().getProcessCpuTime()
            started = System.nanoTime()
            for number in range(round_count):
                sender.send_to_user(users[number % len(users)],
                                    Notification(u"Bench", body, "chat", tag=u"t%d" % number))
            deadline = time.time() + 300
            while time.time() < deadline:
                counts = sender.counts()
                done = sum(counts[k] - before[k] for k in ("sent", "failed", "refused",
                                                            "dropped", "pruned"))
                if done >= round_count:
                    break
                time.sleep(0.02)
            seconds = (System.nanoTime() - started) / 1e9
            cpu_seconds = (ManagementFactory.getOperatingSystemMXBean().getProcessCpuTime() -
                           cpu_before) / 1e9
        counts = sender.counts()
        print(json.dumps({"pushes": round_count, "seconds": round(seconds, 3),
                          "pushes_per_second": round(round_count / seconds, 1),
                          "sender_cpu_ms_per_push": round(cpu_seconds * 1000 / round_count, 3),
                          "threads": threads, "counts": counts, "total_pushes": total}))
    finally:
        app.webpush.stop()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
