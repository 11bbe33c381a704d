// <sparkweb-chat peer="bob">: one conversation. Messages both ways (the user's own from other
// tabs too), the peer's typing shown, the user's typing sent as chat states (XEP-0085).
import { bareJid, localPart } from "./client.js";
import { SparkWebElement, el, uniqueId } from "./element.js";
import { bodyOf, messageBody } from "./message-body.js";

const COMPOSING_REPEAT_MS = 5000;   // tell "composing" again at most this often while typing
const PAUSED_AFTER_MS = 3000;       // no key for this long: "paused"
const HISTORY_PAGE = 50;            // archived messages shown when a conversation opens
// A message without a stanza id (an archive that kept no stanza, a client that sends no id)
// is taken for a shown one with its text only this close in time: "ok" a minute later is new.
const SAME_MESSAGE_MS = 30000;
// Items the log shows at most: a burst of thousands of messages must not make each new one
// cost more (S5-A3); older ones are in the archive.
const SHOWN_ITEMS = 500;

export class SparkWebChat extends SparkWebElement {
  static get observedAttributes() { return ["peer", "lang"]; }

  attributeChangedCallback(name, before, after) {
    if (this.isConnected && before !== after) this.render();
  }

  get peer() { return this.getAttribute("peer"); }
  set peer(value) { this.setAttribute("peer", value); }

  setUp() {
    this.listen(this.client, "message", (event) => {
      if (event.detail.peer === this._jid) this._append(event.detail.message);
    });
    this.listen(this.client, "chatapi.chat", (event) => this._chatState(event.detail));
  }

  disconnectedCallback() {
    clearTimeout(this._pausedTimer);    // else "paused" goes out from an element long gone
    super.disconnectedCallback();
  }

  async render() {
    clearTimeout(this._pausedTimer);
    this._jid = null;
    this._typing = null;
    if (!this.client.signedIn) {
      this.show(el("p", { part: "signed-out", class: "muted" }, this.t("signedOut")));
      return;
    }
    if (!this.peer) {
      this.show(el("p", { part: "no-peer", class: "muted" }, this.t("chat.none")));
      return;
    }
    const peer = this.peer, jid = await this.client.jidOf(peer).catch(() => null);
    if (peer !== this.peer || !jid) return;     // changed meanwhile, or signed out
    this._jid = jid;
    this._draw(localPart(jid));
  }

  _draw(name) {
    const heading = uniqueId("chat"), input = uniqueId("text");
    this._log = el("ol", { part: "messages", class: "messages" });
    this._byId = new Map();                   // "<outgoing>:<id>" -> item: O(1) per message
    const log = el("div", { part: "log", class: "log", role: "log", "aria-labelledby": heading,
                            tabindex: "0" }, this._log);
    this._typing = el("p", { part: "typing", class: "typing muted", "aria-live": "polite" });
    this._form = el("form", { part: "form", class: "row",
                              onsubmit: (event) => { event.preventDefault(); this._send(); } },
      el("label", { for: input, class: "visually-hidden" }, this.t("chat.message", name)),
      el("input", { id: input, name: "text", part: "input", autocomplete: "off",
                    placeholder: this.t("chat.message", name),
                    oninput: () => this._typed(), onblur: () => this._stopTyping("paused") }),
      el("button", { type: "submit", part: "button send" }, this.t("chat.send")));
    this._error = el("p", { part: "error", class: "error", role: "alert" });
    this.show(el("section", { part: "chat", class: "chat", "aria-labelledby": heading },
      el("h2", { id: heading, part: "heading" }, this.t("chat.title", name)),
      log, this._typing, this._form, this._error));
    this._name = name;
    const messages = this.client.conversations.messages(this._jid);
    messages.forEach((message) => this._append(message));
    this._loadHistory(this._jid);
    if (this._focusWhenDrawn) this.focus();
  }

  /** The newest page of the archive with the peer (GET /chat/messages), placed by time
   *  among what is shown. No archive (501: Openfire without the Monitoring plugin) or any
   *  other failure: no history, and no error either, the conversation works without it. */
  async _loadHistory(jid) {
    const log = this._log;                   // a later render draws (and loads) anew
    let page;
    try {
      page = await this.client.request("GET", `/chat/messages?with=${encodeURIComponent(jid)}` +
                                              `&before=&max=${HISTORY_PAGE}`);
    } catch (error) { return; }
    if (jid !== this._jid || log !== this._log) return;
    // Each archived message is one message: it is matched to one item shown before the page
    // came (the tab's own record, live ones), by its stanza id, at most once.
    const before = [...this._log.children], matched = new Set();
    for (const archived of page.messages || []) {
      if (archived.body === null || archived.body === undefined) continue;
      const message = { id: archived.messageId || null, body: archived.body,
                        outgoing: archived.outgoing === true, timestamp: archived.sentDate };
      const shown = this._find(message, before, matched);
      if (shown) matched.add(shown);
      else this._place(this._item(message, true));
    }
  }

  /** The item among `items` that shows `message`: the one with its stanza id and direction;
   *  for a message without an id, the closest in time of those without one, with its direction
   *  and text, within SAME_MESSAGE_MS and not in `taken`. */
  _find(message, items, taken) {
    const outgoing = String(message.outgoing === true);
    if (message.id) {
      const same = this._byId.get(`${outgoing}:${message.id}`);
      if (same && same.isConnected) return same;
    }
    const at = timeOf(message);
    let best = null, gap = SAME_MESSAGE_MS;
    for (const item of items) {
      if (taken.has(item) || item.dataset.id || item.dataset.outgoing !== outgoing ||
          bodyOf(item) !== message.body) continue;
      const distance = Math.abs(Number(item.dataset.time) - at);
      if (distance <= gap) { best = item; gap = distance; }
    }
    return best;
  }

  /** Inserts `item` before the first item that is newer. */
  _place(item) {
    const at = Number(item.dataset.time);
    const later = [...this._log.children].find((other) => Number(other.dataset.time) > at);
    this._log.insertBefore(item, later || null);
  }

  /** Focuses the message field (once the conversation is drawn). */
  focus() {
    this._focusWhenDrawn = !this._form;
    if (this._form) this._form.elements.text.focus();
  }

  _append(message) {
    if (!this._log) return;
    // Only the archive's items (at most a page of them) are looked through by text.
    const shown = this._find(message, [...this._log.querySelectorAll("li[data-history]")],
                             new Set());
    if (shown) {
      // The archive showed it already (it came during a reload, say): that item is the live
      // one now. Without an id only a history item is taken: two live "ok" are two messages.
      if (!isHistory(shown)) return;
      shown.removeAttribute("data-history");
      shown.setAttribute("part", shown.getAttribute("part").replace(" history", ""));
      if (message.id) this._remember(shown, message);
    } else {
      this._log.append(this._item(message, false));
      while (this._log.children.length > SHOWN_ITEMS) this._forget(this._log.firstElementChild);
      this._scrollSoon();
    }
    if (!message.outgoing) this._showTyping(false);
  }

  _remember(item, message) {
    item.dataset.id = message.id;
    this._byId.set(`${String(message.outgoing === true)}:${message.id}`, item);
  }

  _forget(item) {
    if (item.dataset.id) this._byId.delete(`${item.dataset.outgoing}:${item.dataset.id}`);
    item.remove();
  }

  /** Scrolls to the newest message once per frame, however many came (a forced layout). */
  _scrollSoon() {
    if (this._scrolling) return;
    this._scrolling = requestAnimationFrame(() => {
      this._scrolling = null;
      if (this._log && this._log.lastElementChild) {
        this._log.lastElementChild.scrollIntoView({ block: "nearest" });
      }
    });
  }

  _item(message, history) {
    const item = this._newItem(message, history);
    if (message.id) this._remember(item, message);
    return item;
  }

  _newItem(message, history) {
    const time = new Date(timeOf(message));
    const kind = message.outgoing ? "message outgoing" : "message incoming";
    return el("li", { part: history ? `${kind} history` : kind, class: kind,
                      "data-id": message.id, "data-outgoing": String(message.outgoing === true),
                      "data-time": String(time.getTime()), "data-history": history },
      el("span", { part: "sender", class: "sender" },
         message.outgoing ? this.t("chat.you") : this._name),
      messageBody(this, message.body),
      el("time", { part: "time", class: "muted", datetime: time.toISOString() },
         time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
  }

  _chatState(chat) {
    if (!this._jid || bareJid(chat.from) !== this._jid || !chat.state) return;
    this._showTyping(chat.state === "composing" && (chat.body === null || chat.body === undefined));
  }

  _showTyping(typing) {
    if (!this._typing) return;
    this._typing.textContent = typing ? this.t("chat.typing", this._name) : "";
    this.toggleAttribute("peer-typing", typing);
  }

  async _send() {
    const input = this._form.elements.text, body = input.value;
    if (!body.trim()) return;
    this._error.textContent = "";
    clearTimeout(this._pausedTimer);
    this._composingSince = 0;           // the message carries "active"
    try {
      await this.client.sendMessage(this._jid, body);
      input.value = "";
    } catch (error) {
      this._error.textContent = this.errorText(error);
    }
    input.focus();
  }

  _typed() {
    clearTimeout(this._pausedTimer);
    if (!this._form.elements.text.value) return this._stopTyping("active");
    const now = Date.now();
    if (now - (this._composingSince || 0) > COMPOSING_REPEAT_MS) {
      this._composingSince = now;
      this.client.sendChatState(this._jid, "composing").catch(() => {});
    }
    this._pausedTimer = setTimeout(() => this._stopTyping("paused"), PAUSED_AFTER_MS);
  }

  _stopTyping(state) {
    clearTimeout(this._pausedTimer);
    if (!this._composingSince || !this._jid) return;
    this._composingSince = 0;
    this.client.sendChatState(this._jid, state).catch(() => {});
  }
}

function isHistory(item) { return item.hasAttribute("data-history"); }

/** When `message` was sent (ms): its time stamp, else now (just sent here). */
function timeOf(message) {
  const stamp = message.timestamp ? Date.parse(message.timestamp) : NaN;
  return Number.isNaN(stamp) ? Date.now() : stamp;
}

customElements.define("sparkweb-chat", SparkWebChat);
