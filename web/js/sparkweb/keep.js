// Keeps a tab's record (its conversations, its rooms' messages) in sessionStorage, which holds
// a few MB per origin: anyone may send 64 KiB messages through SparkWeb and up to 1 MB from an
// XMPP client, so the record can outgrow it. Showing a message never depends on storing it
// (S5-15-2): what does not fit is kept with long bodies cut, and else not kept at all (the
// page then shows after a reload what the stream and the archive give).
const CUT = 4000;               // characters of a body kept when the whole record does not fit
const RECORDED = 8000;          // characters of a body a record holds at all (S5-15-6)
const NAMES = 100;              // peers or rooms a record holds: the most recently active

/** `message` as a record holds it: a body longer than RECORDED cut, marked `cut`. The page
 *  showed the whole text when it came; the archive has it all. */
export function recorded(message) {
  return message.body && message.body.length > RECORDED ?
    { ...message, body: message.body.slice(0, RECORDED) + "…", cut: true } : message;
}

/** Drops from `record` ({name: [messages]}) all but the NAMES most recently active names. */
export function bound(record, active) {
  delete record[active];
  const names = Object.keys(record);
  for (const name of names.slice(0, Math.max(names.length - NAMES + 1, 0))) delete record[name];
}

const pending = new Map();      // key -> the record to store at the next write
const WRITE_MS = 250;           // a burst of messages is written once (S5-A3)

/** Stores `record` under `key` soon: once for a burst of changes. */
export function keepSoon(key, record) {
  if (!pending.has(key)) {
    setTimeout(() => {
      if (!pending.has(key)) return;         // dropped meanwhile (signed out)
      const latest = pending.get(key);
      pending.delete(key);
      keep(key, latest);
    }, WRITE_MS);
  }
  pending.set(key, record);
}

/** Writes every record still waiting for its timer: a reload or a closed tab must not lose the
 *  messages of its last quarter second. */
function keepPending() {
  for (const [key, record] of pending) keep(key, record);
  pending.clear();
}
addEventListener("pagehide", keepPending);

/** Forgets the record under `key`, and a write of it still to come (signing out). */
export function drop(key) {
  pending.delete(key);
  sessionStorage.removeItem(key);
}

/** Stores `record` ({key: [messages with body]}) under `key`, whole or with bodies cut. */
export function keep(key, record) {
  try {
    sessionStorage.setItem(key, JSON.stringify(record));
    return;
  } catch (error) { /* over the quota: try smaller */ }
  const cut = {};
  for (const [name, messages] of Object.entries(record)) {
    cut[name] = messages.map((message) => (message.body && message.body.length > CUT ?
      { ...message, body: message.body.slice(0, CUT) + "…", cut: true } : message));
  }
  try {
    sessionStorage.setItem(key, JSON.stringify(cut));
  } catch (error) {
    try { sessionStorage.removeItem(key); } catch (ignored) { /* nothing kept */ }
  }
}
