// The group chat messages this tab has seen, per room, kept in sessionStorage so that a reload
// shows them again (the stream replays what arrived during the reload), as conversations.js
// does for one-to-one chats. Messages are known by their sender's nick and stanza id: live ones,
// what a room replays on join, and GET .../chathistory's messageId; so a repeated "ok" stays
// two messages, and an occupant who reuses another's id hides nothing.
// Only where an archive kept no id is a message matched by nick and text close in time.
import { bareJid } from "./client.js";
import { bound, drop, keepSoon, recorded } from "./keep.js";

const PER_ROOM = 200;
const SAME_MESSAGE_MS = 30000;    // a message without an id is a kept one only this close in time
const stores = new WeakMap();

/** The room message store of `client`, made on first use and kept for the page's life. */
export function roomMessagesOf(client) {
  if (!stores.has(client)) stores.set(client, new RoomMessages(client));
  return stores.get(client);
}

class RoomMessages {
  constructor(client) {
    this.client = client;
    this._byRoom = {};
    this._key = null;
    client.addEventListener("chatapi.muc", (event) => this._event(event.detail));
    client.addEventListener("signedin", () => this._open());
    client.addEventListener("signedout", () => this._close());
    if (client.signedIn) this._open();
  }

  /** The messages of `room` (a bare room JID), oldest first. */
  messages(room) { return (this._byRoom[room] || []).slice(); }

  /** Adds the answer of GET /groupchat/room/{room}/chathistory (MUCRoomMessageEntity). */
  addHistory(room, entries, ownNick) {
    const matched = new Set();
    for (const entry of entries) {
      if (entry.body === null || entry.body === undefined) continue;
      const nick = nickOf(entry.from);
      this._add(room, { id: entry.messageId || null, nick, body: entry.body,
                        mine: nick === ownNick, history: true,
                        timestamp: entry.delayStamp || null }, matched);
    }
  }

  _open() {
    this._key = `sparkweb.rooms.${this.client.username}`;
    try { this._byRoom = JSON.parse(sessionStorage.getItem(this._key)) || {}; }
    catch (error) { this._byRoom = {}; }
  }

  _close() {
    if (this._key) drop(this._key);
    this._key = null;
    this._byRoom = {};
  }

  _event(muc) {
    if (!muc || muc.type !== "groupchat" || muc.body === null || muc.body === undefined) return;
    this._add(bareJid(muc.room), { id: muc.id || null, nick: muc.nick || nickOf(muc.from),
                                   body: muc.body, mine: muc.mine === true,
                                   history: muc.history === true,
                                   timestamp: muc.delay || muc.timestamp || null });
  }

  _add(room, message, matched = new Set()) {
    const list = this._byRoom[room] || [];
    bound(this._byRoom, room);
    this._byRoom[room] = list;           // the most recently active room last
    // The id is the sender's choice: another occupant may send the same one (S5-15-1).
    if (message.id && list.some((m) => m.id === message.id && m.nick === message.nick)) return;
    const same = this._sameWithoutId(list, message, matched);
    if (same) {
      matched.add(same);
      if (message.id) same.id = message.id;     // known by its id from now on
      this._save();
      return;
    }
    const kept = recorded(message);
    list.push(kept);
    matched.add(kept);             // a second "ok" of the same history page is another message
    if (list.length > PER_ROOM) list.splice(0, list.length - PER_ROOM);
    this.client.dispatchEvent(new CustomEvent("room-message", { detail: { room, message } }));
    this._save();
  }

  _save() {
    if (this._key) keepSoon(this._key, this._byRoom);
  }

  /** The kept message that `message` is where ids cannot tell (an archive that kept none):
   *  the closest in time with its nick and text, within SAME_MESSAGE_MS, not in `matched`.
   *  A message with an id takes only a history message without one; a history message
   *  without an id takes any; a live one without an id is new (the stream delivers each
   *  event once). */
  _sameWithoutId(list, message, matched) {
    if (!message.id && !message.history) return null;
    const at = timeOf(message);
    let best = null, gap = SAME_MESSAGE_MS;
    for (const kept of list) {
      if (matched.has(kept) || kept.nick !== message.nick || kept.body !== message.body) continue;
      if (message.id && (kept.id || !kept.history)) continue;
      const distance = Math.abs(timeOf(kept) - at);
      if (distance <= gap) { best = kept; gap = distance; }
    }
    return best;
  }
}

/** A message's time (ms), or now when it has none. */
export function timeOf(message) {
  const stamp = message.timestamp ? Date.parse(message.timestamp) : NaN;
  return Number.isNaN(stamp) ? Date.now() : stamp;
}

/** "room@service/nick" -> "nick". */
export function nickOf(from) {
  const slash = (from || "").indexOf("/");
  return slash < 0 ? "" : from.slice(slash + 1);
}
