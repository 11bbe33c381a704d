// <sparkweb-login>: sign in with a password or a passkey; once signed in, who and "Sign out".
import { SparkWebElement, el, uniqueId } from "./element.js";

export class SparkWebLogin extends SparkWebElement {
  static get observedAttributes() { return ["username", "no-passkey", "lang"]; }

  attributeChangedCallback() { if (this.isConnected) this.render(); }

  render() {
    const client = this.client;
    if (client.signedIn) {
      this.show(el("div", { part: "signed-in", class: "row" },
        el("span", { part: "status", role: "status" }, this.t("login.signedIn", client.username)),
        el("button", { type: "button", part: "button sign-out",
                       onclick: () => this._run(async () => {
                         await client.signOut();
                         this.emit("sparkweb-signedout", {});
                       }) }, this.t("login.signOut"))));
      return;
    }
    const user = uniqueId("user"), password = uniqueId("password"), error = uniqueId("error");
    this._error = el("p", { id: error, part: "error", class: "error", role: "alert" });
    this._form = el("form", { part: "form", "aria-label": this.t("login.title"),
                              onsubmit: (event) => { event.preventDefault(); this._password(); } },
      el("label", { for: user, part: "label" }, this.t("login.username")),
      el("input", { id: user, name: "username", part: "input", autocomplete: "username webauthn",
                    required: true, value: this.getAttribute("username") || "",
                    "aria-describedby": error }),
      el("label", { for: password, part: "label" }, this.t("login.password")),
      el("input", { id: password, name: "password", type: "password", part: "input",
                    autocomplete: "current-password", "aria-describedby": error }),
      el("div", { class: "row" },
        el("button", { type: "submit", part: "button submit" }, this.t("login.submit")),
        this.hasAttribute("no-passkey") || !window.PublicKeyCredential ? null :
          el("button", { type: "button", part: "button passkey", onclick: () => this._passkey() },
             this.t("login.passkey"))),
      this._error);
    this.show(this._form);
  }

  _field(name) { return this._form.elements[name]; }

  _password() {
    const username = this._field("username").value, password = this._field("password").value;
    return this._run(async () => {
      const answer = await this.client.signIn(username, password);
      this.emit("sparkweb-signedin", { username: answer.username });
    });
  }

  _passkey() {
    const username = this._field("username").value;
    if (!username.trim()) {
      this._error.textContent = this.t("login.needUsername");
      return this._field("username").focus();
    }
    return this._run(async () => {
      const answer = await this.client.signInWithPasskey(username);
      this.emit("sparkweb-signedin", { username: answer.username });
    });
  }

  async _run(action) {
    if (this._error) this._error.textContent = "";
    try {
      await action();
    } catch (error) {
      if (this._error) this._error.textContent = this.errorText(error);
    }
  }
}

customElements.define("sparkweb-login", SparkWebLogin);
