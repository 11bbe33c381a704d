// Tabs of one origin running web/js/sparkweb/stream.js without Web Locks (the localStorage
// lease), each in its own node:vm context: shared localStorage, node's BroadcastChannel, the
// script's time constants divided by SCALE. Used by test_stream_election.py.
//
//   node stream_tabs.mjs <order> <then>
//   order: "claimer-first" (the tab that goes away hears the leader's bye first) or "other-first"
//   then:  "close" or "reload" (what that tab does before its claim settles)
// Prints one JSON line: {"waited_ms": <real-time ms from the leader's bye to a remaining tab's
// connection, scaled back up>, "lease_ms": <the script's lease, real time>}.
import fs from "node:fs";
import vm from "node:vm";

const SCALE = 10;
const script = new URL("../../web/js/sparkweb/stream.js", import.meta.url);
let source = fs.readFileSync(script, "utf8").replace(/^export /gm, "");
const constants = {};
source = source.replace(/const (LEASE_MS|LEASE_RENEW_MS|CLAIM_SETTLE_MS) = (\d+);/g,
  (_, name, value) => { constants[name] = Number(value); return `const ${name} = ${value / SCALE};`; });
if (Object.keys(constants).length !== 3) throw new Error("stream.js's lease constants moved");
source += "\nglobalThis.SharedEventStream = SharedEventStream;\n";

const stored = new Map();
const localStorage = { getItem: (k) => (stored.has(k) ? stored.get(k) : null),
                       setItem: (k, v) => stored.set(k, String(v)), removeItem: (k) => stored.delete(k) };
const connected = {};

function tab(name) {
  const timers = new Set(), channels = [], session = new Map(), window = new EventTarget();
  const context = {
    console, JSON, Date, Math, Number, Set, Map, Promise, Error, String, Array, Object,
    AbortController, CustomEvent, EventTarget, TextDecoderStream, localStorage, window,
    sessionStorage: { getItem: (k) => session.get(k) ?? null, setItem: (k, v) => session.set(k, v),
                      removeItem: (k) => session.delete(k) },
    navigator: { onLine: true },             // no navigator.locks: the lease path
    BroadcastChannel: class extends BroadcastChannel {
      constructor(n) { super(n); channels.push(this); }
    },
    setTimeout: (f, ms) => { const t = setTimeout(() => { timers.delete(t); f(); }, ms); timers.add(t); return t; },
    clearTimeout: (t) => { timers.delete(t); clearTimeout(t); },
    setInterval: (f, ms) => { const t = setInterval(f, ms); timers.add(t); return t; },
    clearInterval: (t) => { timers.delete(t); clearInterval(t); },
    fetch: (url, options) => {       // a stream that stays open until aborted
      connected[name] = connected[name] || Date.now();
      return new Promise((_, reject) => options.signal.addEventListener("abort", () => reject(new Error("aborted"))));
    },
  };
  vm.createContext(context);
  vm.runInContext(source, context);
  const client = Object.assign(new EventTarget(), { base: "/sparkweb", token: "t", connection: "idle",
    _status() {}, _deliver() {}, _forget() {} });
  const stream = new context.SharedEventStream(client);
  stream.start("alice");
  return {
    name,
    close() {   // pagehide runs its handlers, then nothing of the page runs again
      window.dispatchEvent(new Event("pagehide"));
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      channels.forEach((c) => c.close());
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const [order = "claimer-first", then = "close"] = process.argv.slice(2);
const leader = tab("leader");
await sleep(100);
// Which of the other two hears the leader's bye first follows the order their channels were made.
const names = order === "claimer-first" ? ["leaving", "staying"] : ["staying", "leaving"];
const tabs = Object.fromEntries(names.map((name) => [name, tab(name)]));
await sleep(100);
const byeAt = Date.now();
leader.close();
await sleep(1);                  // the first tab has heard the bye and claimed...
tabs.leaving.close();            // ...and goes away before its claim settles
const others = [tabs.staying];
if (then === "reload") others.push(tab("reloaded"));   // the same page again: a new tab id
const remaining = () => Object.entries(connected)
  .filter(([n]) => n !== "leader" && n !== "leaving").map(([, at]) => at);
const giveUpAt = Date.now() + 2 * (constants.LEASE_MS + constants.LEASE_RENEW_MS) / SCALE;
while (!remaining().length && Date.now() < giveUpAt) await sleep(10);
const first = Math.min(...remaining());
others.forEach((t) => t.close());
console.log(JSON.stringify({ waited_ms: Number.isFinite(first) ? (first - byeAt) * SCALE : null,
                             lease_ms: constants.LEASE_MS }));
process.exit(0);
