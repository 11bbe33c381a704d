// The room invitations this browser's tabs received (chatapi.muc events of type invitation),
// kept in sessionStorage so that a reload shows them again, until the user joins the room (in
// any tab: its own "joined" presence comes to every tab) or dismisses the invitation.
import { bareJid } from "./client.js";

const KEEP = 20;                 // invitations kept: the newest
const REASON = 500;              // characters of a reason kept (anyone can send invitations)
const stores = new WeakMap();

/** The invitation store of `client`, made on first use. */
export function invitationsOf(client) {
  if (!stores.has(client)) {
    const store = new Invitations(client);
    stores.set(client, store);            // before it tells of its invitations: listeners ask
    if (client.signedIn) store._open();
  }
  return stores.get(client);
}

class Invitations {
  constructor(client) {
    this.client = client;
    this._list = [];
    this._key = null;
    client.addEventListener("chatapi.muc", (event) => this._event(event.detail));
    client.addEventListener("signedin", () => this._open());
    client.addEventListener("signedout", () => this._close());
  }

  /** [{room, from, reason, password, direct, timestamp}], newest last. */
  get list() { return this._list.map((invitation) => ({ ...invitation })); }

  dismiss(room) {
    const before = this._list.length;
    this._list = this._list.filter((invitation) => invitation.room !== room);
    if (this._list.length !== before) this._changed();
  }

  _open() {
    this._key = `sparkweb.invitations.${this.client.username}`;
    try { this._list = JSON.parse(sessionStorage.getItem(this._key)) || []; }
    catch (error) { this._list = []; }
    this._changed();
  }

  _close() {
    if (this._key) sessionStorage.removeItem(this._key);
    this._key = null;
    this._list = [];
    this._changed();
  }

  _event(muc) {
    if (!muc) return;
    if (muc.type === "occupant" && muc.self && muc.change === "joined") this.dismiss(muc.room);
    if (muc.type !== "invitation" || !muc.room) return;
    const room = bareJid(muc.room);
    this._list = this._list.filter((invitation) => invitation.room !== room);
    this._list.push({ room, from: muc.from || "", reason: (muc.reason || "").slice(0, REASON),
                      password: muc.password || null, direct: muc.direct === true,
                      timestamp: muc.timestamp || null });
    if (this._list.length > KEEP) this._list.splice(0, this._list.length - KEEP);
    this._changed();
  }

  _changed() {
    this.client.dispatchEvent(new CustomEvent("invitations", { detail: this.list }));
    try {
      if (this._key) sessionStorage.setItem(this._key, JSON.stringify(this._list));
    } catch (error) { /* over the quota (see keep.js): shown, not kept */ }
  }
}
