// <sparkweb-roster>: the user's contacts with live presence. Choosing one emits
// `sparkweb-select` {jid, name}. With `editable`, contacts can be added and removed
// (POST /roster, DELETE /roster/{jid}).
import { bareJid, localPart } from "./client.js";
import { SparkWebElement, el, uniqueId } from "./element.js";

export class SparkWebRoster extends SparkWebElement {
  static get observedAttributes() { return ["selected", "editable", "lang"]; }

  constructor() {
    super();
    this._contacts = new Map();       // bare JID -> {jid, name, type, show, status}
    this._requests = new Set();       // bare JIDs asking to see the user's presence
  }

  attributeChangedCallback(name) {
    if (name !== "selected") this._frame = null;     // texts or the form change: build anew
    if (this.isConnected) this._draw();
  }

  /** The contacts as shown: [{jid, name, type, show, status}]. */
  get contacts() { return [...this._contacts.values()]; }

  setUp() {
    this.listen(this.client, "chatapi.presence", (event) => this._presence(event.detail));
    this.listen(this.client, "chatapi.roster", () => this.reload());
    this.listen(this.client, "connection", (event) => { if (event.detail === "open") this.reload(); });
  }

  render() {
    this._frame = null;
    this._contacts.clear();
    if (this.client.signedIn) this.reload();
    this._draw();
  }

  async reload() {
    if (!this.client.signedIn) return;
    try {
      const { roster } = await this.client.rosterWithPresence();
      this._contacts.clear();
      for (const entry of roster) {
        const jid = bareJid(entry.jid);
        this._contacts.set(jid, { jid, name: entry.nickname || localPart(jid), type: entry.type,
                                  show: entry.show, status: entry.status });
      }
      this._message = "";
    } catch (error) {
      this._message = this.errorText(error);
    }
    this._draw();
  }

  async _presence(presence) {
    if (presence.type === "subscribe" && this.hasAttribute("editable")) {
      this._requests.add(bareJid(presence.from));
      return this._draw();
    }
    const contact = this._contacts.get(bareJid(presence.from));
    if (!contact || !["available", "unavailable"].includes(presence.type)) return;
    let update = { type: presence.type, show: presence.show, status: presence.status };
    if (presence.type === "unavailable") {
      // One of the contact's clients left; another may still be online: ask the server.
      try { update = await this.client.request("GET", `/presence/${encodeURIComponent(contact.jid)}`); }
      catch (error) { /* keep "unavailable" */ }
    }
    Object.assign(contact, { type: update.type, show: update.show, status: update.status });
    this._draw();
    this.emit("sparkweb-presence", { ...contact });
  }

  _showKey(contact) {
    if (!contact.type) return "unknown";
    return contact.type === "unavailable" ? "unavailable" : contact.show || "available";
  }

  /** Updates what is shown in place: the frame (heading, list, form) is built once, and each
   *  contact's item is kept (keyed by JID) and changed, so a presence event neither moves the
   *  focus nor clears what the user is typing into the form. */
  _draw() {
    if (!this.client.signedIn) {
      this._frame = null;
      this.show(el("p", { part: "signed-out", class: "muted" }, this.t("signedOut")));
      return;
    }
    if (!this._frame) this._build();
    const { list, empty, error } = this._frame;
    const contacts = this.contacts.sort((a, b) => a.name.localeCompare(b.name));
    const shown = new Set();
    contacts.forEach((contact, index) => {
      let item = this._frame.items.get(contact.jid);
      if (!item) {
        item = this._item(contact);
        this._frame.items.set(contact.jid, item);
      }
      this._update(item, contact);
      if (list.children[index] !== item.node) list.insertBefore(item.node, list.children[index] || null);
      shown.add(contact.jid);
    });
    for (const [jid, item] of this._frame.items) {
      if (!shown.has(jid)) { item.node.remove(); this._frame.items.delete(jid); }
    }
    list.hidden = !contacts.length;
    empty.hidden = contacts.length > 0;
    error.textContent = this._message || "";
    error.hidden = !this._message;
    this._drawRequests();
  }

  _build() {
    const heading = uniqueId("contacts"), editable = this.hasAttribute("editable");
    const frame = {
      items: new Map(),
      list: el("ul", { part: "list", class: "list" }),
      empty: el("p", { part: "empty", class: "muted" }, this.t("roster.empty")),
      error: el("p", { part: "error", class: "error", role: "alert" }),
      requests: el("div"),
      shownRequests: null,
    };
    this._frame = frame;
    this.show(el("section", { part: "roster", "aria-labelledby": heading },
      el("h2", { id: heading, part: "heading" }, this.t("roster.title")),
      frame.list, frame.empty, frame.error, frame.requests,
      editable ? this._addForm() : null));
  }

  _item(contact) {
    const parts = {
      presence: el("span", { part: "presence", "aria-hidden": "true" }),
      name: el("span", { part: "name", class: "name" }),
      show: el("span", { part: "show", class: "muted" }),
      status: el("span", { part: "status", class: "muted" }),
    };
    const button = el("button", { type: "button", part: "contact",
                                  onclick: () => this._select(this._contacts.get(contact.jid)) },
      parts.presence, parts.name, parts.show, parts.status);
    const node = el("li", { part: "item", "data-jid": contact.jid }, button,
      this.hasAttribute("editable") ? el("button", { type: "button", part: "button remove",
        class: "icon", "aria-label": this.t("roster.remove", contact.name),
        onclick: () => this._remove(this._contacts.get(contact.jid) || contact) }, "×") : null);
    return { node, button, ...parts };
  }

  _update(item, contact) {
    const show = this._showKey(contact), selected = this.getAttribute("selected");
    const current = selected && (selected === contact.jid || selected === localPart(contact.jid));
    item.node.setAttribute("data-show", show);
    item.presence.className = `dot ${show}`;
    item.name.textContent = contact.name;
    item.show.textContent = this.t(`show.${show}`);
    item.status.textContent = contact.status || "";
    item.status.hidden = !contact.status;
    item.button.setAttribute("part", current ? "contact selected" : "contact");
    if (current) item.button.setAttribute("aria-current", "true");
    else item.button.removeAttribute("aria-current");
  }

  /** Redrawn only when the requests change (their buttons keep the focus otherwise). */
  _drawRequests() {
    const key = [...this._requests].join("\n");
    if (!this.hasAttribute("editable") || this._frame.shownRequests === key) return;
    this._frame.shownRequests = key;
    this._frame.requests.replaceChildren(...[this._requestList()].filter(Boolean));
  }

  /** Contact requests: accept (POST /roster/{jid}/accept) or refuse (.../refuse). */
  _requestList() {
    if (!this._requests.size) return null;
    const heading = uniqueId("requests");
    return el("section", { part: "requests", "aria-labelledby": heading },
      el("h3", { id: heading, part: "heading" }, this.t("roster.requests")),
      el("ul", { part: "list", class: "list" }, [...this._requests].map((jid) =>
        el("li", { part: "request", "data-jid": jid },
          el("span", { class: "name" }, jid),
          el("button", { type: "button", part: "button accept",
                         "aria-label": this.t("roster.accept", jid),
                         onclick: () => this._answer(jid, "accept") }, this.t("roster.acceptShort")),
          el("button", { type: "button", part: "button refuse",
                         "aria-label": this.t("roster.refuse", jid),
                         onclick: () => this._answer(jid, "refuse") }, this.t("roster.refuseShort"))))));
  }

  async _answer(jid, answer) {
    await this._change(async () => {
      await this.client.request("POST", `/roster/${encodeURIComponent(jid)}/${answer}`);
      this._requests.delete(jid);
    });
  }

  _addForm() {
    const jid = uniqueId("jid"), name = uniqueId("name");
    return el("form", { part: "add-form", "aria-label": this.t("roster.add"),
                        onsubmit: (event) => { event.preventDefault(); this._add(event.target); } },
      el("label", { for: jid, part: "label" }, this.t("roster.addJid")),
      el("input", { id: jid, name: "jid", part: "input", required: true, autocomplete: "off" }),
      el("label", { for: name, part: "label" }, this.t("roster.addName")),
      el("input", { id: name, name: "nickname", part: "input", autocomplete: "off" }),
      el("button", { type: "submit", part: "button add" }, this.t("roster.add")));
  }

  _select(contact) {
    this.setAttribute("selected", contact.jid);
    this.emit("sparkweb-select", { jid: contact.jid, name: contact.name });
  }

  async _add(form) {
    await this._change(async () => {
      const jid = await this.client.jidOf(form.elements.jid.value);
      const nickname = form.elements.nickname.value.trim();
      await this.client.request("POST", "/roster", nickname ? { jid, nickname, subscribe: true } :
                                                              { jid, subscribe: true });
      form.reset();                     // the form is kept across redraws: empty it once added
    });
  }

  async _remove(contact) {
    await this._change(() => this.client.request("DELETE", `/roster/${encodeURIComponent(contact.jid)}`));
  }

  async _change(action) {
    try {
      await action();
      await this.reload();
    } catch (error) {
      this._message = this.errorText(error);
      this._draw();
    }
  }
}

customElements.define("sparkweb-roster", SparkWebRoster);
