// <sparkweb-notifications>: Web Push for this browser, on or off. Turning on registers
// SparkWeb's service worker, asks the browser's permission and stores the subscription
// (POST /webpush/subscribe/{device}); turning off removes it (DELETE, and the browser's
// subscription). The work is done by sparkweb-push.js (window.SparkWebPush), shared with
// pages that use no elements.
import "../sparkweb-push.js";
import { SparkWebElement, el, uniqueId } from "./element.js";

const DEVICE_KEY = "sparkweb.pushDevice";   // localStorage: this browser's device name

/** A name for this browser, made once and kept: the subscription's {resource}. */
function browserDevice() {
  let name = localStorage.getItem(DEVICE_KEY);
  if (!name) {
    name = `browser-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    localStorage.setItem(DEVICE_KEY, name);
  }
  return name;
}

function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export class SparkWebNotifications extends SparkWebElement {
  static get observedAttributes() { return ["device", "lang"]; }

  attributeChangedCallback() { if (this.isConnected) this.render(); }

  /** The device name this browser's subscription is stored under. */
  get device() { return this.getAttribute("device") || browserDevice(); }
  /** true, false, or null while not known. */
  get enabled() { return this._enabled === undefined ? null : this._enabled; }

  async render() {
    this._enabled = undefined;
    if (!this.client.signedIn) {
      this.show(el("p", { part: "signed-out", class: "muted" }, this.t("signedOut")));
      return;
    }
    const heading = uniqueId("notifications");
    this._state = el("p", { part: "state", class: "muted", role: "status" });
    this._button = el("button", { type: "button", part: "button toggle", disabled: true,
                                  onclick: () => this._toggle() });
    this._error = el("p", { part: "error", class: "error", role: "alert" });
    this.show(el("section", { part: "notifications", "aria-labelledby": heading },
      el("h2", { id: heading, part: "heading" }, this.t("notifications.title")),
      this._state, this._button, this._error));
    if (!supported()) {
      this._button.hidden = true;
      this._state.textContent = this.t("notifications.unsupported");
      return;
    }
    try {
      const { subscriptions } = await this.client.request("GET", "/webpush/subscribers");
      const registration = await navigator.serviceWorker.getRegistration("/sparkweb/");
      const here = registration && await registration.pushManager.getSubscription();
      // SparkWeb stores device names in one form (NFC, no surrounding spaces, lower-case).
      const mine = this.device.normalize("NFC").replace(/^ +| +$/g, "").toLowerCase();
      this._show(Boolean(here) && subscriptions.some((s) => s.resource === mine));
    } catch (error) {
      this._error.textContent = this.errorText(error);
    }
  }

  _show(enabled) {
    this._enabled = enabled;
    this._state.textContent = this.t(enabled ? "notifications.on" : "notifications.off");
    this._button.textContent = this.t(enabled ? "notifications.turnOff" : "notifications.turnOn");
    this._button.setAttribute("aria-pressed", String(enabled));
    this._button.disabled = false;
  }

  async _toggle() {
    const push = window.SparkWebPush, turnOn = !this._enabled;
    this._error.textContent = "";
    this._button.disabled = true;
    try {
      if (turnOn) await push.subscribe(this.client.token, this.device);
      else await push.unsubscribe(this.client.token, this.device);
      this._show(turnOn);
      this.emit("sparkweb-notifications", { enabled: turnOn, device: this.device });
    } catch (error) {
      this._error.textContent = turnOn && typeof Notification !== "undefined" &&
        Notification.permission === "denied" ? this.t("notifications.blocked") : this.errorText(error);
      this._show(this._enabled === true);
    }
    this._button.focus();
  }
}

customElements.define("sparkweb-notifications", SparkWebNotifications);
