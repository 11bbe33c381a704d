// The one-to-one conversations this tab has seen, kept in sessionStorage so that a reload shows
// them again (the stream replays what arrived during the reload). Messages are known by their
// sender and stanza id, so a replayed or relayed message is never shown twice.
import { bareJid } from "./client.js";
import { bound, drop, keepSoon, recorded } from "./keep.js";

const PER_PEER = 200;

export class Conversations {
  constructor(client) {
    this.client = client;
    this._key = null;
    this._byPeer = {};
    client.addEventListener("chatapi.chat", (event) => this._received(event.detail));
    client.addEventListener("sparkweb.sent", (event) => this._sent(event.detail));
  }

  open(username) {
    this._key = `sparkweb.conversations.${username}`;
    try { this._byPeer = JSON.parse(sessionStorage.getItem(this._key)) || {}; }
    catch (error) { this._byPeer = {}; }
  }

  close() {
    if (this._key) drop(this._key);
    this._key = null;
    this._byPeer = {};
  }

  /** The messages exchanged with `peer` (a bare JID), oldest first. */
  messages(peer) { return (this._byPeer[bareJid(peer)] || []).slice(); }

  _received(chat) {
    if (chat.body === null || chat.body === undefined) return;     // a chat state alone
    // The user's own messages (sent in another tab or on another device) belong to the
    // conversation with their recipient (docs/events.md, "Your messages, ...").
    const outgoing = chat.outgoing === true;
    this._add(bareJid(outgoing ? chat.to : chat.from),
              { id: chat.id, from: bareJid(chat.from), body: chat.body, outgoing,
                timestamp: chat.timestamp });
  }

  _sent(sent) {
    this._add(bareJid(sent.to), { id: sent.id, from: this.client.username, body: sent.body,
                                  outgoing: true, timestamp: sent.timestamp });
  }

  _add(peer, message) {
    const list = this._byPeer[peer] || [];
    if (message.id && list.some((m) => m.id === message.id && m.outgoing === message.outgoing)) return;
    bound(this._byPeer, peer);
    this._byPeer[peer] = list;          // the most recently active peer last
    list.push(recorded(message));
    if (list.length > PER_PEER) list.splice(0, list.length - PER_PEER);
    this.client.dispatchEvent(new CustomEvent("message", { detail: { peer, message } }));
    if (this._key) keepSoon(this._key, this._byPeer);
  }
}
