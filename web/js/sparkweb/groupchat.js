// <sparkweb-groupchat room="lobby" service="conference">: one room. Messages both ways (the
// user's own from every tab), the occupants, the room's history (what it replays on join, or
// GET .../chathistory when this tab has seen nothing of the room yet), join and leave.
import { SparkWebElement, el, uniqueId } from "./element.js";
import { roomMessagesOf, nickOf, timeOf } from "./room-messages.js";
import { messageBody } from "./message-body.js";

const OUT = ["left", "kicked", "banned", "removed", "destroyed", "shutdown"];

export class SparkWebGroupchat extends SparkWebElement {
  static get observedAttributes() { return ["room", "service", "lang"]; }

  attributeChangedCallback(name, before, after) {
    if (this.isConnected && before !== after) this.render();
  }

  get room() { return this.getAttribute("room"); }
  set room(value) { this.setAttribute("room", value); }
  get service() { return (this.getAttribute("service") || "conference").trim().toLowerCase(); }
  /** The room's bare JID once known (after the element drew the room). */
  get roomJid() { return this._jid || null; }
  get store() { return roomMessagesOf(this.client); }

  disconnectedCallback() {
    clearTimeout(this._occupantsDue);
    this._occupantsDue = null;
    super.disconnectedCallback();
  }

  setUp() {
    this.store;                          // listening from now on, also before a room is set
    this.listen(this.client, "room-message", (event) => {
      if (event.detail.room === this._jid) this._append(event.detail.message);
    });
    this.listen(this.client, "chatapi.muc", (event) => this._muc(event.detail));
  }

  /** Draws the room (or the way in) anew. Renders can overlap (a join answered while the
   *  room's own presence arrives): only the latest one draws. `joined`: this user is in the
   *  room, as an event said (the room's answer to a later request says so too). */
  async render(joined = false) {
    const generation = this._generation = (this._generation || 0) + 1;
    this._jid = null;
    this._log = null;
    this._messages = null;
    this._form = null;
    if (!this.client.signedIn) return this._note("signed-out", this.t("signedOut"));
    if (!this.room) return this._note("no-room", this.t("groupchat.none"));
    const room = this.room, service = this.service;
    let entity, jid;
    try {
      const domain = await this.client.domain();
      jid = room.includes("@") ? room.split("/")[0] : `${room.trim().toLowerCase()}@${service}.${domain}`;
      entity = await this.client.request("GET", this._path("", jid));
    } catch (error) {
      entity = error.status === 404 ? { joined: false, roomName: room } : null;
      if (!entity && generation === this._generation) {
        return this._note("error", this.errorText(error), "error");
      }
      if (!entity) return;
    }
    if (generation !== this._generation) return;      // a later render draws
    this._jid = jid;
    this._title = entity.naturalName || entity.roomName || room;
    this._nick = entity.nick || (joined ? this._nick : null);
    if (entity.joined || joined) this._drawRoom(entity);
    else this._drawOutside(entity.passwordProtected === true);
  }

  _path(suffix = "", jid = this._jid) {
    return `/groupchat/room/${encodeURIComponent(jid)}${suffix}`;
  }

  _note(part, text, kind = "muted") {
    this.show(el("p", { part, class: kind, role: kind === "error" ? "alert" : null }, text));
  }

  /** The way in: a nickname (optional: the user's name by default) and, for a room with a
   *  password (or one that refused the join for want of it), the password. */
  _drawOutside(passwordProtected) {
    const heading = uniqueId("room"), nick = uniqueId("nick"), password = uniqueId("password");
    this._error = el("p", { part: "error", class: "error", role: "alert" });
    this._joinForm = el("form", { part: "join-form", "aria-labelledby": heading,
                                  onsubmit: (event) => { event.preventDefault(); this._act("PUT"); } },
      el("label", { for: nick, part: "label" }, this.t("rooms.nick")),
      el("input", { id: nick, name: "nick", part: "input nick", autocomplete: "nickname" }),
      el("label", { for: password, part: "label password-label", hidden: !passwordProtected },
         this.t("rooms.password")),
      el("input", { id: password, name: "password", part: "input password", type: "password",
                    autocomplete: "off", hidden: !passwordProtected }),
      el("div", { class: "row" },
        el("button", { type: "submit", part: "button join" }, this.t("groupchat.join", this._title))));
    this.show(el("section", { part: "groupchat", "aria-labelledby": heading },
      el("h2", { id: heading, part: "heading" }, this._title),
      el("p", { part: "outside", class: "muted" }, this.t("groupchat.outside")),
      this._joinForm, this._error));
  }

  /** The nickname and password typed in the way in, as PUT's body. */
  _joinOptions() {
    const form = this._joinForm, options = {};
    if (!form || !form.isConnected) return undefined;
    if (form.elements.nick.value.trim()) options.nick = form.elements.nick.value.trim();
    if (form.elements.password.value) options.password = form.elements.password.value;
    return Object.keys(options).length ? options : undefined;
  }

  /** A join refused for want of the password: the password field is shown and focused. */
  _askPassword() {
    const form = this._joinForm;
    if (!form || !form.isConnected) return;
    form.querySelectorAll("[part~=password], [part~=password-label]").forEach((node) => {
      node.hidden = false;
    });
    form.elements.password.focus();
  }

  /** What the user typed into the room's message field now shown, and whether it has the
   *  focus: drawing the room again (the join's answer after the room's own presence drew it)
   *  must not lose either. */
  _draftShown() {
    const shown = this.shadowRoot.querySelector("form[part~=form]");
    if (!shown || shown.dataset.room !== this._jid) return null;
    const field = shown.elements.text;
    return { text: field.value, focused: this.shadowRoot.activeElement === field };
  }

  _drawRoom(entity) {
    const heading = uniqueId("room"), input = uniqueId("text"), people = uniqueId("occupants");
    const draft = this._draftShown();
    this._messages = el("ol", { part: "messages", class: "messages" });
    this._log = el("div", { part: "log", class: "log", role: "log", tabindex: "0",
                            "aria-labelledby": heading }, this._messages);
    this._subject = el("p", { part: "subject", class: "muted" }, entity.subject || "");
    this._occupants = el("ul", { part: "occupants", class: "occupants", "aria-labelledby": people });
    this._form = el("form", { part: "form", class: "row", "data-room": this._jid,
                              onsubmit: (event) => { event.preventDefault(); this._send(event.target); } },
      el("label", { for: input, class: "visually-hidden" }, this.t("groupchat.message", this._title)),
      el("input", { id: input, name: "text", part: "input", autocomplete: "off",
                    placeholder: this.t("groupchat.message", this._title) }),
      el("button", { type: "submit", part: "button send" }, this.t("chat.send")));
    this._error = el("p", { part: "error", class: "error", role: "alert" });
    this.show(el("section", { part: "groupchat", class: "chat", "aria-labelledby": heading },
      el("div", { class: "row" },
        el("h2", { id: heading, part: "heading" }, this._title),
        el("button", { type: "button", part: "button leave", onclick: () => this._act("DELETE") },
           this.t("groupchat.leave", this._title))),
      this._subject,
      el("div", { class: "room" }, this._log,
        el("section", { part: "people", class: "people", "aria-labelledby": people },
          el("h3", { id: people, part: "heading" }, this.t("groupchat.occupants")), this._occupants)),
      this._form, this._error));
    if (draft) this._form.elements.text.value = draft.text;
    this.store.messages(this._jid).forEach((message) => this._append(message));
    this._loadOccupants();
    if (!this.store.messages(this._jid).length) this._loadHistory();
    // The focus asked for (by the join) is not taken back from elsewhere in the page: the
    // join's answer can come after the room's presence drew it, and the user may have moved on.
    const elsewhere = ![null, document.body, this].includes(document.activeElement);
    if ((draft && draft.focused) || (this._focusWhenDrawn && !elsewhere)) this.focus();
    this._focusWhenDrawn = false;
  }

  /** Focuses the message field (once the room is drawn). */
  focus() {
    this._focusWhenDrawn = !this._form || !this._form.isConnected;
    if (!this._focusWhenDrawn) this._form.elements.text.focus();
  }

  async _loadHistory() {
    const jid = this._jid;
    try {
      const { messages } = await this.client.request("GET", this._path("/chathistory"));
      if (jid === this._jid) this.store.addHistory(jid, messages, this._nick);
    } catch (error) { /* no history to show: the room still works */ }
  }

  async _loadOccupants() {
    const jid = this._jid;
    try {
      const { occupants } = await this.client.request("GET", this._path("/occupants"));
      if (jid !== this._jid || !this._occupants) return;
      const sorted = occupants.map((o) => o.nick || nickOf(o.jid)).sort((a, b) => a.localeCompare(b));
      this._occupants.replaceChildren(...sorted.map((nick) =>
        el("li", { part: nick === this._nick ? "occupant self" : "occupant", "data-nick": nick }, nick)));
    } catch (error) { /* shown again on the next change */ }
  }

  _muc(muc) {
    if (!muc || !this._jid || muc.room !== this._jid) return;
    if (muc.type === "subject" && this._subject) this._subject.textContent = muc.subject || "";
    if (muc.type !== "occupant") return;
    // This user entered or left (in any tab): draw the room, or the way in, again.
    if (muc.self && muc.change === "joined" && !this._log) {
      this._nick = muc.nick;
      this.render(true);
    } else if (muc.self && OUT.includes(muc.change)) this.render();
    else if (this._log && !this._occupantsDue) {
      // A join brings one event per occupant already there: ask once for all of them.
      this._occupantsDue = setTimeout(() => { this._occupantsDue = null; this._loadOccupants(); }, 100);
    }
  }

  /** Shows `message`: a live one at the end, history where its time puts it. */
  _append(message) {
    if (!this._messages) return;
    const time = new Date(timeOf(message));
    const kind = message.mine ? "message outgoing" : "message incoming";
    const item = el("li", { part: kind, class: kind, "data-time": String(time.getTime()),
                            "data-history": message.history ? "true" : null },
      el("span", { part: "sender", class: "sender" }, message.mine ? this.t("chat.you") : message.nick),
      messageBody(this, message.body),
      el("time", { part: "time", class: "muted", datetime: time.toISOString() },
         time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    const later = message.history &&
      [...this._messages.children].find((other) => Number(other.dataset.time) > time.getTime());
    this._messages.insertBefore(item, later || null);
    if (!later) item.scrollIntoView({ block: "nearest" });
  }

  /** Sends what `form` (the one shown when Enter was pressed: a redraw may be under way)
   *  holds to its room. */
  async _send(form) {
    const input = form.elements.text, body = input.value, room = form.dataset.room;
    if (!body.trim()) return;
    const shownError = () => this.shadowRoot.querySelector("[part~=error]");
    shownError().textContent = "";
    try {
      await this.client.request("POST", this._path("", room), { body });
      // Cleared unless typed on meanwhile; the room may have been drawn again, carrying the
      // text over (_draftShown).
      for (const field of new Set([input, this._fieldOf(room)])) {
        if (field && field.value === body) field.value = "";
      }
    } catch (failure) {
      shownError().textContent = this.errorText(failure);
    }
    const field = this._fieldOf(room);
    if (field) field.focus();
  }

  /** The message field of `room` as now shown, if that room is the one shown. */
  _fieldOf(room) {
    const form = this._form;
    return form && form.isConnected && form.dataset.room === room ? form.elements.text : null;
  }

  /** Joins (PUT) or leaves (DELETE) the room; the occupant event then redraws every tab. */
  async _act(method) {
    this._error.textContent = "";
    try {
      const answer = await this.client.request(method, this._path(),
                                               method === "PUT" ? this._joinOptions() : undefined);
      const joined = method === "PUT";
      if (joined) this._nick = answer.nick;
      this.emit(joined ? "sparkweb-joined" : "sparkweb-left", { room: this._jid });
      if (joined) this._focusWhenDrawn = true;
      await this.render(joined);
    } catch (error) {
      if (this._error) this._error.textContent = this.errorText(error);
      if (method === "PUT" && error.status === 401) this._askPassword();
    }
  }
}

customElements.define("sparkweb-groupchat", SparkWebGroupchat);
