"""Fair hand-out of push deliveries to the sending pool: one user's slow or hostile endpoints
cannot hold the threads every other user's notifications need (findings-13 13-1/A7).

A delivery is one notification to one subscription. It waits in its user's lane; deliveries are
handed to the pool round robin across users, and only as many as the pool has threads, so that
nothing waits in the pool's own queue behind a hung request. A delivery running for longer than
``SLOW_MILLIS`` no longer counts against that number (its thread waits on a host, it does no
work): the pool may then grow, to at most ``MAX_THREADS_FACTOR`` times its size, so that several
users' hanging endpoints together cannot hold every thread (S5-A1); a wake-up is armed for the
moment the first running delivery turns slow, so waiting deliveries start then even if nothing
else happens (S6-13-1). Bounds:

- per user: at most ``USER_IN_FLIGHT`` deliveries running, the first of the lane's first
  ``SCAN`` whose host has room (a dead device does not hold back the others, S6-13-3); the rest
  wait in the lane (at most
  ``USER_QUEUE``; beyond, dropped and counted ``dropped``). All lanes together hold at most the
  ``sparkweb.webpush.queueSize`` setting.
- per push-service host (the endpoint's origin): a healthy host takes as many threads as the pool
  has (browser vendors' services carry everybody's pushes); a host that failed last time, or
  has had a request running for ``SLOW_MILLIS`` without any finishing, gets one at a time.
- circuit breaker: a host that failed ``BREAKER_FAILURES`` times in a row (no connection or no
  answer; an answer, even 429 or 5xx, concerns one subscription) is skipped for
  ``BREAKER_MILLIS`` (deliveries to it counted ``circuit_open`` and handed back to the sender,
  which offers them again when the breaker time is over, within its retry budget: a shared push
  service's short outage does not lose every user's notifications, S6-13-8); after that one
  request is tried, and one answer closes the breaker. A delivery that made no request (None)
  leaves it as it was.
- per user: a user whose deliveries were the first no-answer of ``USER_BREAKER_HOSTS``
  different hosts within ``USER_BREAKER_WINDOW_MILLIS`` is skipped for ``BREAKER_MILLIS``
  (counted ``circuit_open``, handed back as above), and again after each further such host
  within the window. The per-host breaker alone is evaded with fresh host names (wildcard DNS):
  each new name starts healthy, and enough accounts doing so held every thread (S6-13-4). A
  user's own dead device counts once, however often it fails; an answer from elsewhere does not
  reset the count (one working subscription must not launder the others).

Never calls out (the pool, the store) while holding its lock.
"""
from __future__ import absolute_import

import threading
from collections import deque

from java.util.concurrent import RejectedExecutionException

USER_IN_FLIGHT = 2
USER_QUEUE = 100
SCAN = 16         # deliveries of a lane looked at for one whose host has room
SLOW_MILLIS = 3000
BREAKER_FAILURES = 3
BREAKER_MILLIS = 60000
MAX_THREADS_FACTOR = 4
MAX_HOSTS = 1000
SWEEP_MILLIS = 1000
FORGET_FAILED_MILLIS = 10 * BREAKER_MILLIS
USER_BREAKER_HOSTS = 3
USER_BREAKER_WINDOW_MILLIS = 10 * BREAKER_MILLIS
MAX_USERS_TRACKED = 10000


class Delivery(object):
    """One notification for one subscription; ``run()`` sends it (on a pool thread) and returns
    True when the push service answered (any status), False when there was no connection or no
    answer, and None when no request was made (not stored any more, expired, refused by the
    address policy, not buildable): that says nothing about the host and leaves its breaker as
    it was (S6-13-2)."""

    def __init__(self, username, host, run, defer=None):
        self.username = username
        self.host = host
        self.run = run
        # (milliseconds) -> whether it was set aside to be offered again that much later (the
        # sender's retry budget decides); None or False: skipped for good while the host's
        # breaker is open
        self.defer = defer


class _Host(object):
    def __init__(self, now):
        self.in_flight = 0
        self.failures = 0          # in a row
        self.open_until = 0
        self.progress_at = now     # the last start on an idle host, or the last finish

    def limit(self, now):
        if self.failures > 0:   # failed last time, or half open after the breaker
            return 1
        if self.in_flight > 0 and now - self.progress_at > SLOW_MILLIS:
            return 1
        return None   # the pool is the bound


class DeliveryLanes(object):
    def __init__(self, submit, threads, capacity, clock, count, schedule=None):
        self._submit = submit          # runnable function -> None; RejectedExecutionException
        # (delay in ms, function) -> None: runs the function later, once (the sender's
        # scheduler); None: no wake-ups (tests of the bookkeeping alone)
        self._schedule = schedule
        self._wake_armed = False
        self._threads = threads
        self._capacity = capacity
        self._clock = clock
        self._count = count            # counter name -> None
        self._lock = threading.Lock()
        self._lanes = {}               # username -> deque of Delivery
        self._order = deque()          # usernames with a waiting delivery, round robin
        self._user_in_flight = {}
        self._hosts = {}
        self._waiting = 0
        self._running = 0
        self._started = {}             # id(delivery) -> when it started, while it runs
        self._swept_at = 0             # when _forget_idle_hosts last ran
        # username -> times of the last USER_BREAKER_HOSTS hosts whose first no-answer was the
        # user's, and username -> until when the user is skipped
        self._user_failures = {}
        self._user_open_until = {}
        self._users_swept_at = 0

    def offer(self, delivery):
        """Queues ``delivery``; False (counted dropped) when its lane or all lanes are full."""
        with self._lock:
            lane = self._lanes.get(delivery.username)
            if self._waiting >= self._capacity or (lane is not None and len(lane) >= USER_QUEUE):
                accepted = False
            else:
                if lane is None:
                    lane = self._lanes[delivery.username] = deque()
                    self._order.append(delivery.username)
                lane.append(delivery)
                self._waiting += 1
                accepted = True
        if not accepted:
            self._count("dropped")
            return False
        self._pump()
        return True

    def waiting(self):
        with self._lock:
            return self._waiting

    def _pump(self):
        """Hands out what may run now; outside the lock."""
        for delivery in self._take_runnable():
            try:
                self._submit(lambda delivery=delivery: self._run(delivery))
            except RejectedExecutionException:   # stopping
                self._finished(delivery, None)

    def _take_runnable(self):
        now = self._clock()
        chosen, skipped = [], []
        with self._lock:
            turns = len(self._order)
            while turns > 0 and self._may_start(now):
                turns -= 1
                username = self._order.popleft()
                lane = self._lanes[username]
                delivery = self._next_of(lane, username, now, skipped)
                if delivery is not None:
                    chosen.append(delivery)
                    self._start(delivery, now)
                if lane:
                    self._order.append(username)   # to the back: the others come first
                else:
                    del self._lanes[username]
            wake_in = self._wake_up_in(now)
        for delivery, wait_millis in skipped:
            self._count("circuit_open")
            if delivery.defer is not None:
                delivery.defer(wait_millis)
        if wake_in is not None:
            self._arm_wake_up(wake_in)
        return chosen

    def _wake_up_in(self, now):
        """Milliseconds until the first running delivery turns slow, when deliveries wait only
        because running ones count against the threads and no wake-up is armed yet (under the
        lock). Without it, a waiting delivery would start only on the next offer or the next
        finish, which a hanging request delays by up to its whole timeout (S6-13-1)."""
        if self._schedule is None or self._wake_armed or not self._waiting or \
                self._may_start(now):
            return None
        working = [started for started in self._started.values()
                   if now - started <= SLOW_MILLIS]
        if not working:
            return None
        self._wake_armed = True
        return max(1, min(working) + SLOW_MILLIS + 1 - now)

    def _arm_wake_up(self, millis):
        def wake():
            with self._lock:
                self._wake_armed = False
            self._pump()
        try:
            self._schedule(millis, wake)
        except RejectedExecutionException:   # stopping
            with self._lock:
                self._wake_armed = False

    def _may_start(self, now):
        if self._running < self._threads:   # no need to tell slow ones from working ones
            return True
        working = sum(1 for started in self._started.values() if now - started <= SLOW_MILLIS)
        return working < self._threads and \
            self._running < self._threads * MAX_THREADS_FACTOR

    def _next_of(self, lane, username, now, skipped):
        """The first of the lane's first ``SCAN`` deliveries whose host has room, if the user
        has; deliveries to an open breaker's host are taken out (into ``skipped``). Not only
        the head: a user's dead device, its host limited to one request, must not hold back
        the user's other devices queued behind it (S6-13-3). Deliveries to one host keep their
        order (a later one never finds room its host refused an earlier one)."""
        if self._user_in_flight.get(username, 0) >= USER_IN_FLIGHT:
            return None
        open_until = self._user_open_until.get(username, 0)
        if open_until > now:
            while lane:
                skipped.append((lane.popleft(), open_until - now))
                self._waiting -= 1
            return None
        index = 0
        while index < min(len(lane), SCAN):
            delivery = lane[index]
            host = self._host(delivery.host, now)
            if host.open_until > now:
                del lane[index]
                self._waiting -= 1
                skipped.append((delivery, host.open_until - now))
                continue
            limit = host.limit(now)
            if limit is None or host.in_flight < limit:
                del lane[index]
                self._waiting -= 1
                return delivery
            index += 1
        return None

    def _host(self, name, now):
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = _Host(now)
        return host

    def _start(self, delivery, now):
        host = self._host(delivery.host, now)
        if host.in_flight == 0:
            host.progress_at = now
        host.in_flight += 1
        self._user_in_flight[delivery.username] = \
            self._user_in_flight.get(delivery.username, 0) + 1
        self._running += 1
        self._started[id(delivery)] = now

    def _run(self, delivery):
        answered = None   # raised: nothing known about the host
        try:
            answered = delivery.run()
        finally:
            self._finished(delivery, answered)
            self._pump()

    def _finished(self, delivery, answered):
        now = self._clock()
        opened = user_opened = False
        with self._lock:
            self._running -= 1
            self._started.pop(id(delivery), None)
            left = self._user_in_flight.get(delivery.username, 1) - 1
            if left:
                self._user_in_flight[delivery.username] = left
            else:
                self._user_in_flight.pop(delivery.username, None)
            host = self._host(delivery.host, now)
            host.in_flight -= 1
            host.progress_at = now
            if answered:
                host.failures = 0
            elif answered is not None:
                if host.failures == 0:   # the host's first no-answer: the user's doing?
                    user_opened = self._user_failed(delivery.username, now)
                host.failures += 1
                if host.failures >= BREAKER_FAILURES and host.open_until <= now:
                    host.open_until = now + BREAKER_MILLIS
                    opened = True
            if len(self._hosts) > MAX_HOSTS and (now - self._swept_at >= SWEEP_MILLIS or
                                                 len(self._hosts) > 2 * MAX_HOSTS):
                self._forget_idle_hosts(now)
        if opened:
            self._count("breaker_opened")
        if user_opened:
            self._count("user_breaker_opened")

    def _user_failed(self, username, now):
        """Notes that a host's first no-answer came from ``username``'s delivery (under the
        lock); True when that opens the user's breaker."""
        times = self._user_failures.get(username)
        if times is None:
            if len(self._user_failures) >= MAX_USERS_TRACKED and (
                    now - self._users_swept_at >= SWEEP_MILLIS or
                    len(self._user_failures) >= 2 * MAX_USERS_TRACKED):
                self._forget_quiet_users(now)
            times = self._user_failures[username] = deque(maxlen=USER_BREAKER_HOSTS)
        times.append(now)
        if len(times) < USER_BREAKER_HOSTS or now - times[0] > USER_BREAKER_WINDOW_MILLIS:
            return False
        self._user_open_until[username] = now + BREAKER_MILLIS
        return True

    def _forget_quiet_users(self, now):
        """Forgets users with no host failure of theirs within the window and no open breaker
        (under the lock): the maps stay bounded by MAX_USERS_TRACKED plus the users seen
        failing hosts within USER_BREAKER_WINDOW_MILLIS. At most once per SWEEP_MILLIS unless
        the map has doubled (the scan is under the lock); still doubled after it, the users
        whose breaker is not open go, so that the map's hard bound is twice MAX_USERS_TRACKED."""
        self._users_swept_at = now
        for username, times in list(self._user_failures.items()):
            if now - times[-1] > USER_BREAKER_WINDOW_MILLIS and \
                    self._user_open_until.get(username, 0) <= now:
                del self._user_failures[username]
                self._user_open_until.pop(username, None)
        if len(self._user_failures) >= 2 * MAX_USERS_TRACKED:
            for username in list(self._user_failures):
                if self._user_open_until.get(username, 0) <= now:
                    del self._user_failures[username]
                    self._user_open_until.pop(username, None)

    def _forget_idle_hosts(self, now):
        """Forgets hosts with nothing running (S5-13-3: a user with wildcard DNS must not grow
        the map with every new host name): healthy ones, and failed ones idle for
        FORGET_FAILED_MILLIS; a failed host awaiting its breaker's trial is kept, or it would
        start again with full concurrency (S6-13-5). Beyond MAX_HOSTS still, the idle failed
        ones longest idle go too. At most once per SWEEP_MILLIS, unless the map has doubled:
        the scan is under the lock."""
        self._swept_at = now
        idle_failed = []
        for name, host in list(self._hosts.items()):
            if host.in_flight or host.open_until > now:
                continue
            if host.failures and now - host.progress_at < FORGET_FAILED_MILLIS:
                idle_failed.append((host.progress_at, name))
            else:
                del self._hosts[name]
        excess = len(self._hosts) - MAX_HOSTS
        for _, name in sorted(idle_failed)[:max(0, excess)]:
            del self._hosts[name]

