// <sparkweb-presence>: the user's own status (show and status text), set with POST /presence,
// and the state of the shared event stream.
import { SparkWebElement, el, uniqueId } from "./element.js";

const SHOWS = ["available", "chat", "away", "xa", "dnd"];

export class SparkWebPresence extends SparkWebElement {
  static get observedAttributes() { return ["lang"]; }

  attributeChangedCallback() { if (this.isConnected) this.render(); }

  setUp() {
    this.listen(this.client, "connection", () => this._drawConnection());
  }

  render() {
    if (!this.client.signedIn) {
      this.show(el("p", { part: "signed-out", class: "muted" }, this.t("signedOut")));
      return;
    }
    const show = uniqueId("show"), status = uniqueId("status"), heading = uniqueId("presence");
    this._connection = el("p", { part: "connection", class: "muted", role: "status" });
    this._note = el("p", { part: "note", class: "muted", "aria-live": "polite" });
    this._form = el("form", { part: "form", "aria-labelledby": heading,
                              onsubmit: (event) => { event.preventDefault(); this._set(); } },
      el("h2", { id: heading, part: "heading" }, this.t("presence.title")),
      el("label", { for: show, part: "label" }, this.t("presence.show")),
      el("select", { id: show, name: "show", part: "select" },
         SHOWS.map((value) => el("option", { value, selected: value === (this._show || "available") },
                                 this.t(`show.${value}`)))),
      el("label", { for: status, part: "label" }, this.t("presence.status")),
      el("input", { id: status, name: "status", part: "input", autocomplete: "off",
                    value: this._status || "" }),
      el("button", { type: "submit", part: "button" }, this.t("presence.set")),
      this._note, this._connection);
    this.show(this._form);
    this._drawConnection();
  }

  _drawConnection() {
    if (this._connection && this.client.connection)
      this._connection.textContent = this.t(`connection.${this.client.connection}`);
  }

  async _set() {
    const show = this._form.elements.show.value, status = this._form.elements.status.value;
    try {
      await this.client.setPresence(show, status || null);
      this._show = show;
      this._status = status;
      this._note.textContent = this.t("presence.saved");
      this.emit("sparkweb-presence-set", { show, status });
    } catch (error) {
      this._note.textContent = this.errorText(error);
    }
  }
}

customElements.define("sparkweb-presence", SparkWebPresence);
