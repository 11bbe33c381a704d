// One event stream per browser: the tabs of a user elect a leader with a Web Lock; only the
// leader holds the connection to /sparkweb/sse and relays every event to the other tabs over a
// BroadcastChannel. When the leader closes, the lock passes to a waiting tab, which connects
// with Last-Event-ID = the last event it received, so the server replays what came meanwhile.
// Browsers limit connections per host to six: eight tabs with a stream each would stall.
//
// The stream is read with fetch() rather than EventSource: EventSource cannot send the token
// in a header, nor a Last-Event-ID of our choosing on its first connection.
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
const SILENCE_MS = 45000;    // no byte (not even a heartbeat) for this long: reconnect
const KEEP = 500;            // events a tab keeps for tabs that join or reload

/** Splits "<session>-<sequence>" (docs/events.md); null for other ids. */
function parseId(id) {
  const dash = (id || "").indexOf("-");
  const sequence = dash > 0 ? Number(id.slice(dash + 1)) : NaN;
  return Number.isInteger(sequence) ? { session: id.slice(0, dash), sequence } : null;
}

export class SharedEventStream {
  constructor(client) {
    this.client = client;
    this.leader = false;
    this._username = null;
    this._recent = [];        // [{name, data, id}] this tab saw, for joining tabs
  }

  start(username) {
    this.stop();
    this._username = username;
    this._stopping = new AbortController();
    this._idKey = `sparkweb.lastEventId.${username}`;
    this.lastId = sessionStorage.getItem(this._idKey);
    this._resumeFrom = null;
    this._recent = [];
    this._channel = new BroadcastChannel(`sparkweb-events.${username}`);
    this._channel.onmessage = (message) => this._heard(message.data);
    this._channel.postMessage({ kind: "hello", lastId: this.lastId });
    const stopping = this._stopping.signal;
    if (!navigator.locks) {            // no Web Locks (plain http on another host): a stream each
      this._lead(stopping);
      return;
    }
    navigator.locks.request(`sparkweb-stream.${username}`, { signal: stopping },
                            () => this._lead(stopping)).catch(() => {});
  }

  stop() {
    if (this._stopping) this._stopping.abort();
    if (this._channel) this._channel.close();
    this._channel = null;
    this._stopping = null;
    this.leader = false;
  }

  /** Sends an event of this page to every tab, this one included (e.g. a message sent). */
  publish(name, data) {
    const event = { name, data, id: null };
    this._accept(event);
    if (this._channel) this._channel.postMessage({ kind: "event", event });
  }

  // --- every tab --------------------------------------------------------------------------
  _heard(message) {
    if (message.kind === "event") this._accept(message.event);
    else if (message.kind === "replay") message.events.forEach((event) => this._accept(event));
    else if (message.kind === "status") this.client._status(message.state);
    else if (message.kind === "hello" && this.leader) {
      // A tab opened or reloaded: send it what it missed (all we kept if it knows nothing).
      const at = this._recent.findIndex((event) => event.id && event.id === message.lastId);
      this._channel.postMessage({ kind: "replay", events: this._recent.slice(at + 1) });
      this._channel.postMessage({ kind: "status", state: this.client.connection });
    }
  }

  /** Delivers an event once: server events already seen (same session, no later sequence
   *  number) are dropped; onConnect carries the newest id so far and is never dropped. */
  _accept(event) {
    const id = parseId(event.id);
    if (id && event.name === "onConnect") {
      this._resumeFrom = event.id;
      sessionStorage.setItem(this._idKey, this.position());
    } else if (id) {
      const last = parseId(this.lastId);
      if (last && last.session === id.session && id.sequence <= last.sequence) return;
      this.lastId = event.id;
      sessionStorage.setItem(this._idKey, this.position());
    }
    if (event.name !== "onConnect") {
      this._recent.push(event);
      if (this._recent.length > KEEP) this._recent.shift();
    }
    this.client._deliver(event.name, event.data, event.id);
  }

  /** Where a new connection resumes: the last event received, or, if the newest onConnect
   *  says more (no event since it, or a new server session), that. onConnect's id never
   *  drops events: the first stream of a session replays older ones after it. */
  position() {
    const last = parseId(this.lastId), connect = parseId(this._resumeFrom);
    if (!connect) return this.lastId;
    if (!last || last.session !== connect.session) return this._resumeFrom;
    return last.sequence >= connect.sequence ? this.lastId : this._resumeFrom;
  }

  _announce(state) {
    this.client._status(state);
    if (this._channel) this._channel.postMessage({ kind: "status", state });
  }

  // --- the leader ---------------------------------------------------------------------------
  /** Holds the stream until this tab stops (sign-out, page closed): the lock is held as long
   *  as the returned promise is pending. */
  async _lead(stopping) {
    this.leader = true;
    this.client.dispatchEvent(new CustomEvent("leader"));
    let failures = 0;
    while (!stopping.aborted) {
      if (navigator.onLine === false) {
        this._announce("offline");
        await waitFor(window, "online", stopping);
        continue;
      }
      this._announce(failures ? "reconnecting" : "connecting");
      const outcome = await this._connect(stopping, () => { failures = 0; });
      if (outcome === "unauthorized") { this.client._forget(); break; }
      if (stopping.aborted) break;
      const delay = BACKOFF_MS[Math.min(failures++, BACKOFF_MS.length - 1)];
      this._announce(navigator.onLine === false ? "offline" : "reconnecting");
      await sleep(delay * (0.75 + Math.random() / 2), stopping, window, "online");
    }
    this.leader = false;
  }

  /** One connection: resolves when it ends (closed by either side, silent too long). */
  async _connect(stopping, onOpen) {
    const connection = new AbortController();
    const abort = () => connection.abort();
    stopping.addEventListener("abort", abort);
    window.addEventListener("offline", abort);
    let watchdog = setTimeout(abort, SILENCE_MS);
    try {
      const headers = { Accept: "text/event-stream", Authorization: `Bearer ${this.client.token}` };
      const position = this.position();
      if (position) headers["Last-Event-ID"] = position;
      const response = await fetch(`${this.client.base}/sse`, { headers, cache: "no-store",
                                                                 signal: connection.signal });
      if (response.status === 401) return "unauthorized";
      if (!response.ok || !response.body) return "failed";
      await readEvents(response.body, (event) => {
        if (event.name === "onConnect") { onOpen(); this._announce("open"); }
        if (event.name) this._relay(event);
      }, () => { clearTimeout(watchdog); watchdog = setTimeout(abort, SILENCE_MS); });
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
    this._accept(parsed);
    if (this._channel) this._channel.postMessage({ kind: "event", event: parsed });
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
