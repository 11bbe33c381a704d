// The group chat messages this tab has seen, per room, kept in sessionStorage so that a reload
// shows them again (the stream replays what arrived during the reload), as conversations.js
// does for one-to-one chats. Live messages are known by their stanza id; history (what a room
// replays on join, or GET .../chathistory) has no id of its own and is known by nick and text.
import { bareJid } from "./client.js";

const PER_ROOM = 200;
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
    for (const entry of entries) {
      if (entry.body === null || entry.body === undefined) continue;
      const nick = nickOf(entry.from);
      this._add(room, { id: null, nick, body: entry.body, mine: nick === ownNick, history: true,
                        timestamp: entry.delayStamp || null });
    }
  }

  _open() {
    this._key = `sparkweb.rooms.${this.client.username}`;
    try { this._byRoom = JSON.parse(sessionStorage.getItem(this._key)) || {}; }
    catch (error) { this._byRoom = {}; }
  }

  _close() {
    if (this._key) sessionStorage.removeItem(this._key);
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

  _add(room, message) {
    const list = this._byRoom[room] || (this._byRoom[room] = []);
    const same = message.history ?
      (m) => m.nick === message.nick && m.body === message.body :
      (m) => message.id && m.id === message.id;
    if (list.some(same)) return;
    list.push(message);
    if (list.length > PER_ROOM) list.splice(0, list.length - PER_ROOM);
    if (this._key) sessionStorage.setItem(this._key, JSON.stringify(this._byRoom));
    this.client.dispatchEvent(new CustomEvent("room-message", { detail: { room, message } }));
  }
}

/** "room@service/nick" -> "nick". */
export function nickOf(from) {
  const slash = (from || "").indexOf("/");
  return slash < 0 ? "" : from.slice(slash + 1);
}
