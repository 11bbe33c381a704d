// <sparkweb-rooms service="conference">: the rooms of a group chat service the user may see
// (GET /groupchat/rooms?type=all), the joined ones marked; join and leave (PUT and DELETE
// /groupchat/room/{name}); a form joins (or creates) a room by name, with a nickname and a
// password if wanted; invitations to rooms are shown, to join or dismiss. Choosing a room emits
// `sparkweb-select` {room, name, joined}.
import { bareJid, localPart } from "./client.js";
import { SparkWebElement, el, uniqueId } from "./element.js";
import { invitationsOf } from "./invitations.js";

const SELF_CHANGES = ["joined", "left", "kicked", "banned", "removed", "destroyed", "shutdown"];

export class SparkWebRooms extends SparkWebElement {
  static get observedAttributes() { return ["service", "selected", "lang"]; }

  constructor() {
    super();
    this._rooms = [];
  }

  attributeChangedCallback(name) {
    if (!this.isConnected) return;
    if (name === "selected") this._draw();
    else this.render();
  }

  get service() { return (this.getAttribute("service") || "conference").trim().toLowerCase(); }
  /** The rooms as shown: [{jid, name, title, subject, joined, nick, occupants, passwordProtected}]. */
  get rooms() { return this._rooms.map((room) => ({ ...room })); }

  setUp() {
    // A join or leave in any tab (or a kick) changes what is marked joined.
    this.listen(this.client, "chatapi.muc", (event) => {
      const muc = event.detail;
      if (muc && muc.type === "occupant" && muc.self && SELF_CHANGES.includes(muc.change)) this.reload();
    });
    this.listen(this.client, "connection", (event) => { if (event.detail === "open") this.reload(); });
    this.listen(this.client, "invitations", () => this._drawInvitations());
  }

  get invitations() { return invitationsOf(this.client); }

  render() {
    this._frame = null;
    this._rooms = [];
    if (this.client.signedIn) this.reload();
    this._draw();
  }

  async reload() {
    if (!this.client.signedIn) return;
    // Reloads overlap (an own join and the room's presence about it): the latest one counts.
    const generation = this._generation = (this._generation || 0) + 1;
    try {
      const service = this.service, domain = this._domain = await this.client.domain();
      const { chatRooms } = await this.client.request(
        "GET", `/groupchat/rooms?type=all&serviceName=${encodeURIComponent(service)}`);
      if (generation !== this._generation) return;
      this._rooms = chatRooms.map((room) => ({
        jid: `${room.roomName}@${service}.${domain}`, name: room.roomName,
        title: room.naturalName || room.roomName, subject: room.subject || "",
        joined: room.joined === true, nick: room.nick || null, occupants: room.occupantCount,
        passwordProtected: room.passwordProtected === true }));
      this._message = "";
    } catch (error) {
      if (generation !== this._generation) return;
      this._message = this.errorText(error);
    }
    this._draw();
  }

  /** Updates in place (items keyed by room JID), so a reload keeps the focus where it was. */
  _draw() {
    if (!this.client.signedIn) {
      this._frame = null;
      this.show(el("p", { part: "signed-out", class: "muted" }, this.t("signedOut")));
      return;
    }
    if (!this._frame) this._build();
    const { list, empty, error, items } = this._frame;
    const shown = new Set();
    this._rooms.forEach((room, index) => {
      let item = items.get(room.jid);
      if (!item) items.set(room.jid, item = this._item(room));
      this._update(item, room);
      if (list.children[index] !== item.node) list.insertBefore(item.node, list.children[index] || null);
      shown.add(room.jid);
    });
    for (const [jid, item] of items) {
      if (!shown.has(jid)) { item.node.remove(); items.delete(jid); }
    }
    list.hidden = !this._rooms.length;
    empty.hidden = this._rooms.length > 0;
    error.textContent = this._message || "";
    this._drawInvitations();
  }

  /** The invitations, each with Join (with the password the room sent) and Dismiss. */
  _drawInvitations() {
    if (!this._frame) return;
    const { invited, invitedList } = this._frame;
    const invitations = this.invitations.list;
    invited.hidden = !invitations.length;
    invitedList.replaceChildren(...invitations.reverse().map((invitation) => {
      // Only the room vouches for the inviter it names (S5-15-3): a room of another server
      // is shown by its full address, so that "general" here and there never look alike.
      // Local: on a MUC service of this server (a subdomain of its XMPP domain; S5-15-5).
      const local = Boolean(this._domain) &&
        (invitation.room.split("@")[1] || "").endsWith(`.${this._domain}`);
      const room = local ? localPart(invitation.room) : invitation.room;
      const inviter = local ? localPart(invitation.from) || invitation.from : bareJid(invitation.from);
      return el("li", { part: "invitation", "data-room": invitation.room },
        el("span", { part: "inviter" }, this.t("rooms.invitedBy", inviter, room)),
        invitation.reason ? el("span", { part: "reason", class: "muted" }, invitation.reason) : null,
        el("span", { class: "row" },
          el("button", { type: "button", part: "button accept",
                         "aria-label": this.t("rooms.acceptInvitation", room),
                         onclick: () => this._accept(invitation) }, this.t("rooms.join")),
          el("button", { type: "button", part: "button dismiss",
                         "aria-label": this.t("rooms.dismissInvitation", room),
                         onclick: () => this.invitations.dismiss(invitation.room) },
             this.t("rooms.dismiss"))));
    }));
  }

  async _accept(invitation) {
    await this._change(async () => {
      const body = invitation.password ? { password: invitation.password } : undefined;
      const answer = await this.client.request(
        "PUT", `/groupchat/room/${encodeURIComponent(invitation.room)}`, body);
      this.invitations.dismiss(invitation.room);
      this.setAttribute("selected", answer.room);
      this.emit("sparkweb-select", { room: answer.room, name: localPart(answer.room), joined: true });
    });
  }

  _build() {
    const heading = uniqueId("rooms"), name = uniqueId("room"), invitedHeading = uniqueId("invited");
    const nick = uniqueId("nick"), password = uniqueId("password");
    this._frame = {
      items: new Map(),
      list: el("ul", { part: "list", class: "list" }),
      empty: el("p", { part: "empty", class: "muted" }, this.t("rooms.empty")),
      error: el("p", { part: "error", class: "error", role: "alert" }),
      invitedList: el("ul", { part: "invitations", class: "list invitations",
                              "aria-labelledby": invitedHeading }),
    };
    this._frame.invited = el("section", { part: "invited", "aria-labelledby": invitedHeading },
      el("h3", { id: invitedHeading, part: "heading" }, this.t("rooms.invitations")),
      this._frame.invitedList);
    const form = el("form", { part: "join-form", "aria-label": this.t("rooms.joinByName"),
                              onsubmit: (event) => { event.preventDefault(); this._joinByName(form); } },
      el("label", { for: name, part: "label" }, this.t("rooms.name")),
      el("input", { id: name, name: "room", part: "input", required: true, autocomplete: "off" }),
      el("label", { for: nick, part: "label" }, this.t("rooms.nick")),
      el("input", { id: nick, name: "nick", part: "input nick", autocomplete: "nickname" }),
      el("label", { for: password, part: "label" }, this.t("rooms.password")),
      el("input", { id: password, name: "password", part: "input password", type: "password",
                    autocomplete: "off" }),
      el("div", { class: "row" },
        el("button", { type: "submit", part: "button join" }, this.t("rooms.join"))));
    this.show(el("section", { part: "rooms", "aria-labelledby": heading },
      el("h2", { id: heading, part: "heading" }, this.t("rooms.title", this.service)),
      this._frame.invited, this._frame.list, this._frame.empty, this._frame.error, form));
  }

  _item(room) {
    const parts = {
      name: el("span", { part: "name", class: "name" }),
      state: el("span", { part: "state", class: "muted" }),
      subject: el("span", { part: "subject", class: "muted" }),
    };
    const button = el("button", { type: "button", part: "room",
                                  onclick: () => this._select(this._find(room.jid)) },
      parts.name, parts.state, parts.subject);
    const action = el("button", { type: "button", part: "button",
                                  onclick: () => this._toggle(this._find(room.jid)) });
    const node = el("li", { part: "item", "data-room": room.jid }, button, action);
    return { node, button, action, ...parts };
  }

  _update(item, room) {
    const selected = this.getAttribute("selected");
    const current = selected && (selected === room.jid || selected === room.name);
    item.node.toggleAttribute("data-joined", room.joined);
    item.name.textContent = room.title;
    item.state.textContent = room.joined ? this.t("rooms.joinedAs", room.nick) :
      this.t("rooms.occupants", room.occupants);
    item.subject.textContent = room.subject;
    item.subject.hidden = !room.subject;
    item.button.setAttribute("part", `room${room.joined ? " joined" : ""}${current ? " selected" : ""}`);
    if (current) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
    item.action.setAttribute("part", room.joined ? "button leave" : "button join");
    item.action.textContent = room.joined ? this.t("rooms.leave") : this.t("rooms.join");
    item.action.setAttribute("aria-label", this.t(room.joined ? "rooms.leaveRoom" : "rooms.joinRoom",
                                                  room.title));
  }

  _find(jid) { return this._rooms.find((room) => room.jid === jid); }

  _select(room) {
    if (!room) return;
    this.setAttribute("selected", room.jid);
    this.emit("sparkweb-select", { room: room.jid, name: room.name, joined: room.joined });
  }

  async _toggle(room) {
    if (!room) return;
    // A password is asked for where the room is shown (<sparkweb-groupchat>'s join form).
    if (!room.joined && room.passwordProtected) return this._select(room);
    await this._change(async () => {
      const path = `/groupchat/room/${encodeURIComponent(room.jid)}`;
      if (room.joined) await this.client.request("DELETE", path);
      else {
        await this.client.request("PUT", path);
        this._select(room);
      }
    });
  }

  async _joinByName(form) {
    const name = form.elements.room.value.trim();
    if (!name) return;
    const options = {};
    if (form.elements.nick.value.trim()) options.nick = form.elements.nick.value.trim();
    if (form.elements.password.value) options.password = form.elements.password.value;
    await this._change(async () => {
      const answer = await this.client.request(
        "PUT", `/groupchat/room/${encodeURIComponent(name)}?serviceName=${encodeURIComponent(this.service)}`,
        Object.keys(options).length ? options : undefined);
      form.reset();
      this.setAttribute("selected", answer.room);
      this.emit("sparkweb-select", { room: answer.room, name: answer.room.split("@")[0], joined: true });
    });
  }

  async _change(action) {
    let problem = "";
    try { await action(); } catch (error) { problem = this.errorText(error); }
    await this.reload();
    if (problem) { this._message = problem; this._draw(); }
  }
}

customElements.define("sparkweb-rooms", SparkWebRooms);
