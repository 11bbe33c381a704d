// One event stream per browser: the tabs of a user elect a leader with a Web Lock; only the
// leader holds the connection to /sparkweb/sse and relays every event to the other tabs over a
// BroadcastChannel. When the leader closes, the lock passes to a waiting tab, which connects
// with Last-Event-ID = the last event it received, so the server replays what came meanwhile.
// Browsers limit connections per host to six: eight tabs with a stream each would stall.
//
// Without Web Locks (a page over plain HTTP from another host than localhost), the tabs elect
// the leader with a lease in localStorage instead (see _elect).
//
// The stream is read with fetch() rather than EventSource: EventSource cannot send the token
// in a header, nor a Last-Event-ID of our choosing on its first connection.
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
const SILENCE_HEARTBEATS = 3;  // no byte for three heartbeat intervals: the connection is dead
const HEARTBEAT_SECONDS = 15;  // until onConnect tells the server's sparkweb.sse.heartbeatSeconds
const KEEP = 500;              // events a tab keeps for tabs that join or reload
const SEEN = 1000;             // ids of this page's own events (published) a tab remembers
const LEASE_MS = 20000;        // without Web Locks: a leader silent this long is replaced
const LEASE_RENEW_MS = 5000;
const CLAIM_SETTLE_MS = 300;   // tabs claiming a lapsed lease at once: the last write wins

/** Splits "<session>-<sequence>" (docs/events.md); null for other ids. */
function parseId(id) {
  const dash = (id || "").indexOf("-");
  const sequence = dash > 0 ? Number(id.slice(dash + 1)) : NaN;
  return Number.isInteger(sequence) ? { session: id.slice(0, dash), sequence } : null;
}

/** An id for this tab (crypto.randomUUID needs a secure context; intranet pages may lack it). */
function tabId() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

export class SharedEventStream {
  constructor(client) {
    this.client = client;
    this.leader = false;
    this.lastId = null;
    this._username = null;
    this._recent = [];        // [{name, data, id}] this tab saw, for joining tabs
  }

  start(username) {
    this.stop();
    this._username = username;
    this._tab = tabId();
    this._published = 0;
    this._seen = new Set();   // ids of published events already delivered here
    this._stopping = new AbortController();
    this._idKey = `sparkweb.lastEventId.${username}`;
    this.lastId = sessionStorage.getItem(this._idKey);
    this._resumeFrom = null;
    this._recent = [];
    this._silenceMs = SILENCE_HEARTBEATS * HEARTBEAT_SECONDS * 1000;
    this._channel = new BroadcastChannel(`sparkweb-events.${username}`);
    this._channel.onmessage = (message) => this._heard(message.data);
    this._hello();
    const stopping = this._stopping.signal;
    if (!navigator.locks) {            // no Web Locks (plain http on another host)
      this._elect(stopping);
      return;
    }
    navigator.locks.request(`sparkweb-stream.${username}`, { signal: stopping },
                            () => this._lead(stopping)).catch(() => {});
  }

  /** Signing out: the position belongs to the ended server session, so it is dropped; a
   *  later sign-in in this tab must not resume from it. */
  stop() {
    if (this._stopping) this._stopping.abort();
    if (this._channel) this._channel.close();
    if (this._idKey) sessionStorage.removeItem(this._idKey);
    this._channel = null;
    this._stopping = null;
    this._idKey = null;
    this.lastId = null;
    this._resumeFrom = null;
    this.leader = false;
  }

  /** Sends an event of this page to every tab, this one included (e.g. a message sent). It
   *  gets an id of this tab, so that a tab never delivers it twice. */
  publish(name, data) {
    const event = { name, data, id: `local.${this._tab}.${++this._published}` };
    this._accept(event);
    if (this._channel) this._channel.postMessage({ kind: "event", event });
  }

  // --- every tab --------------------------------------------------------------------------
  _hello() {
    if (this._channel) this._channel.postMessage({ kind: "hello", tab: this._tab, lastId: this.lastId });
  }

  _heard(message) {
    if (message.kind === "event") this._accept(message.event);
    else if (message.kind === "replay" && message.to === this._tab) {
      this._adoptStart(message.start);
      message.events.forEach((event) => this._accept(event));
    } else if (message.kind === "status") this.client._status(message.state);
    else if (message.kind === "leader" && !this.leader) this._hello();   // a new leader: catch up
    else if (message.kind === "bye" && this._claimNow) this._claimNow(message.tab);
    else if (message.kind === "hello" && this.leader) {
      // A tab opened, reloaded or heard of a new leader: send it (only it) what it missed.
      // Whatever it saw already is dropped on arrival (ids), so more is harmless.
      const at = this._recent.findIndex((event) => event.id && event.id === message.lastId);
      // With the start of the leader's stream: a tab that receives no event before it leads
      // itself resumes from there (without it, it would connect with no Last-Event-ID, and
      // what came between the old leader's end and its own connection would be lost).
      this._channel.postMessage({ kind: "replay", to: message.tab, start: this._resumeFrom,
                                  events: this._recent.slice(at + 1) });
      this._channel.postMessage({ kind: "status", state: this.client.connection });
    }
  }

  /** Delivers an event once: server events already seen (same session, no later sequence
   *  number) and published events already delivered are dropped; onConnect carries the
   *  newest id so far and is never dropped. */
  _accept(event) {
    const id = parseId(event.id);
    if (typeof event.id === "string" && event.id.startsWith("local.")) {
      if (this._seen.has(event.id)) return;
      this._seen.add(event.id);
      if (this._seen.size > SEEN) this._seen.delete(this._seen.values().next().value);
    } else if (id && event.name === "onConnect") {
      this._resumeFrom = event.id;
      this._savePosition();
    } else if (id) {
      const last = parseId(this.lastId);
      if (last && last.session === id.session && id.sequence <= last.sequence) return;
      this.lastId = event.id;
      this._savePosition();
    }
    if (event.name !== "onConnect") {
      this._recent.push(event);
      if (this._recent.length > KEEP) this._recent.shift();
    }
    this.client._deliver(event.name, event.data, event.id);
  }

  /** The leader's stream start, told to a tab that joined after its onConnect. */
  _adoptStart(start) {
    const given = parseId(start), own = parseId(this._resumeFrom);
    if (!given || (own && own.session === given.session && own.sequence >= given.sequence)) return;
    this._resumeFrom = start;
    this._savePosition();
  }

  _savePosition() {
    const position = this.position();
    // A full sessionStorage (S5-15-2) must not stop the events: the position is then lost
    // at a reload, and the server replays from the stream's start instead.
    try {
      if (this._idKey && position) sessionStorage.setItem(this._idKey, position);
    } catch (error) { /* over the quota */ }
  }

  /** Where a new connection resumes: within one server session, the last event received
   *  (a connection that dropped during its replay resumes where the replay stopped). A tab
   *  that received no event of the newest stream's session resumes from where that stream
   *  started (its onConnect's id): the server sends what came since, not its whole log again
   *  (which would show old messages as new, and could overflow the new stream's queue). */
  position() {
    const last = parseId(this.lastId), connect = parseId(this._resumeFrom);
    if (!connect || (last && last.session === connect.session)) return this.lastId;
    return this._resumeFrom;
  }

  _announce(state) {
    this.client._status(state);
    if (this._channel) this._channel.postMessage({ kind: "status", state });
  }

  // --- without Web Locks: a lease in localStorage ----------------------------------------
  /** Elects one leader among the tabs: the leader renews a lease in localStorage; when it
   *  lapses (leader gone without a word) or the leader says bye (page closed), a tab claims it,
   *  and after a moment the one whose claim stayed leads. */
  _elect(stopping) {
    const key = `sparkweb.streamLease.${this._username}`;
    const read = () => { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } };
    const write = () => localStorage.setItem(key, JSON.stringify({ tab: this._tab,
                                                                 until: Date.now() + LEASE_MS }));
    let leading = null;
    const stepDown = () => { if (leading) leading.abort(); leading = null; };
    // `departed`: the tab that just said bye. Its lease may still look valid here: the
    // removal in localStorage can reach this tab after the bye on the channel, and waiting
    // for the next renewal (up to LEASE_RENEW_MS) outlasts the server's grace period.
    const claim = (departed) => {
      if (stopping.aborted || leading) return;
      const lease = read();
      if (lease && lease.tab !== this._tab && lease.tab !== departed &&
          lease.until > Date.now()) return;
      write();
      setTimeout(() => {
        const won = read();
        if (stopping.aborted || leading || !won || won.tab !== this._tab) return;
        leading = new AbortController();
        this._lead(leading.signal, write);
      }, CLAIM_SETTLE_MS);
    };
    const renew = () => {
      if (!leading) return claim();
      const lease = read();
      if (lease && lease.tab !== this._tab && lease.until > Date.now()) return stepDown();
      write();
    };
    // A tab whose claim has not settled yet says bye too: its lease would otherwise hold the
    // other tabs back until it lapses.
    const bye = () => {
      const lease = read(), mine = lease && lease.tab === this._tab;
      if (!leading && !mine) return;
      if (mine) localStorage.removeItem(key);
      stepDown();
      if (this._channel) this._channel.postMessage({ kind: "bye", tab: this._tab });
    };
    const timer = setInterval(renew, LEASE_RENEW_MS);
    window.addEventListener("pagehide", bye);
    this._claimNow = claim;
    stopping.addEventListener("abort", () => {
      clearInterval(timer);
      window.removeEventListener("pagehide", bye);
      bye();
      this._claimNow = null;
    });
    claim();
  }

  // --- the leader ---------------------------------------------------------------------------
  /** Holds the stream until this tab stops (sign-out, page closed): with Web Locks, the lock
   *  is held as long as the returned promise is pending. `alive` (the lease) is called on
   *  every chunk received. */
  async _lead(stopping, alive = () => {}) {
    this.leader = true;
    this.client.dispatchEvent(new CustomEvent("leader"));
    // Tabs that opened while no tab led got no replay: they say hello again.
    if (this._channel) this._channel.postMessage({ kind: "leader", tab: this._tab });
    let failures = 0;
    while (!stopping.aborted) {
      if (navigator.onLine === false) {
        this._announce("offline");
        await waitFor(window, "online", stopping);
        continue;
      }
      this._announce(failures ? "reconnecting" : "connecting");
      const outcome = await this._connect(stopping, () => { failures = 0; }, alive);
      if (outcome === "unauthorized") { this.client._forget(); break; }
      if (stopping.aborted) break;
      const delay = BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)];
      this._announce(navigator.onLine === false ? "offline" : "reconnecting");
      await sleep(delay * (0.75 + Math.random() / 2), stopping, window, "online");
    }
    this.leader = false;
  }

  /** One connection: resolves when it ends (closed by either side, silent too long). */
  async _connect(stopping, onOpen, alive) {
    const connection = new AbortController();
    const abort = () => connection.abort();
    stopping.addEventListener("abort", abort);
    window.addEventListener("offline", abort);
    let watchdog = setTimeout(abort, this._silenceMs);
    try {
      const headers = { Accept: "text/event-stream", Authorization: `Bearer ${this.client.token}` };
      const position = this.position();
      if (position) headers["Last-Event-ID"] = position;
      const response = await fetch(`${this.client.base}/sse`, { headers, cache: "no-store",
                                                                 signal: connection.signal });
      if (!response.ok || !response.body) {
        // The error body is not read: cancel it, so the connection is freed at once.
        if (response.body) response.body.cancel().catch(() => {});
        return response.status === 401 ? "unauthorized" : "failed";
      }
      await readEvents(response.body, (event) => {
        if (!event.name) return;
        const parsed = this._relay(event);
        if (event.name === "onConnect") {
          const heartbeat = parsed.data && Number(parsed.data.heartbeatSeconds);
          if (heartbeat > 0) this._silenceMs = SILENCE_HEARTBEATS * heartbeat * 1000;
          onOpen();
          this._announce("open");
        }
      }, () => {
        alive();
        clearTimeout(watchdog);
        watchdog = setTimeout(abort, this._silenceMs);
      });
      return "closed";
    } catch (error) {
      return "failed";
    } finally {
      clearTimeout(watchdog);
      stopping.removeEventListener("abort", abort);
      window.removeEventListener("offline", abort);
    }
  }

  _relay(event) {
    let data = null;
    try { data = JSON.parse(event.data); } catch (error) { data = event.data; }
    const parsed = { name: event.name, data, id: event.id };
    if (this._channel) this._channel.postMessage({ kind: "event", event: parsed });
    this._accept(parsed);
    return parsed;
  }
}

/** Reads a text/event-stream body: onEvent({name, data, id}) per event, onBytes() per chunk. */
async function readEvents(body, onEvent, onBytes) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", name = "", data = [], id = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onBytes();
    buffer += value;
    let end;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (data.length) onEvent({ name: name || "message", data: data.join("\n"), id });
        name = ""; data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = text;
      else if (field === "data") data.push(text);
      else if (field === "id") id = text;
    }
  }
}

function waitFor(target, type, stopping) {
  return new Promise((resolve) => {
    const done = () => {
      target.removeEventListener(type, done);
      stopping.removeEventListener("abort", done);
      resolve();
    };
    target.addEventListener(type, done);
    stopping.addEventListener("abort", done);
  });
}

/** Waits `ms`, or less when stopped or when `type` fires on `target` (back online). */
function sleep(ms, stopping, target, type) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      target.removeEventListener(type, done);
      stopping.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    target.addEventListener(type, done);
    stopping.addEventListener("abort", done);
  });
}
