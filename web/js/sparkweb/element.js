// What every SparkWeb element shares: a shadow root styled by one stylesheet file (the pages'
// content security policy allows no inline style), the page's shared client (or the one set as
// the `client` property), texts in the element's language, and listeners removed on disconnect.
import { sparkweb } from "./client.js";
import { text } from "./i18n.js";

const STYLESHEET = new URL("../../css/sparkweb-components.css", import.meta.url).href;

export class SparkWebElement extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._client = null;
    this._listening = [];
  }

  get client() { return this._client || sparkweb(); }
  set client(client) {
    const connected = this.isConnected;
    if (connected) this.disconnectedCallback();
    this._client = client;
    if (connected) this.connectedCallback();
  }

  connectedCallback() {
    this.listen(this.client, "signedin", () => this.render());
    this.listen(this.client, "signedout", () => this.render());
    this.setUp();
    this.render();
  }

  disconnectedCallback() {
    this._listening.forEach(([target, type, listener]) => target.removeEventListener(type, listener));
    this._listening = [];
  }

  /** Subclasses: listeners for their events (use listen()). */
  setUp() {}

  listen(target, type, listener) {
    target.addEventListener(type, listener);
    this._listening.push([target, type, listener]);
  }

  t(key, ...values) { return text(this, key, ...values); }

  /** Replaces the shadow root's content by the stylesheet and `nodes`. */
  show(...nodes) {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = STYLESHEET;
    this.shadowRoot.replaceChildren(style, ...nodes);
  }

  /** Tells the page: a bubbling, composed CustomEvent. */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** The error's message in the element's language where it is the client's own. */
  errorText(error) {
    if (error && error.error === "network") return this.t(error.message === "offline" ?
      "error.offline" : "error.network");
    return (error && error.message) || String(error);
  }
}

/** A DOM element: el("button", {type: "submit", part: "button"}, "Send"). Attributes only,
 *  never inline style; text children are text nodes (never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return node;
}

let counter = 0;
/** An id unique in the page, for label/aria references inside one shadow root. */
export function uniqueId(prefix) { return `${prefix}-${++counter}`; }
