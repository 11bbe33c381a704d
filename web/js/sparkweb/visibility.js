// Tells the server whether the user can see this browser's SparkWeb pages: Web Push pushes a
// message automatically only while no page of the user is visible (docs/events.md, Web Push).
// The tabs share one event stream (stream.js), so the stream is hidden only when every tab is:
// each tab tells the others when it is shown, hidden or closed (a BroadcastChannel), and the
// stream's leader reports the sum with PUT /webpush/visibility/{stream} (onConnect's `stream`)
// whenever it changes, and on each new connection (which the server counts as visible).
// One `visibilitychange` listener per page, whatever number of elements it holds.
const CHANNEL = "sparkweb-visibility.";

export class VisibilityReport {
  constructor(client) {
    this.client = client;
    this._tab = Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    this._hiddenTabs = new Map();      // the leader's view: tab -> hidden
    this._stream = null;               // the leader's stream id, from its onConnect
    this._reported = false;            // what the server holds for it (a new stream: visible)
    this._sending = Promise.resolve(); // reports go one after the other, in order
    document.addEventListener("visibilitychange", () => this._tell());
    window.addEventListener("pagehide", () => this._post({ tab: this._tab, gone: true }));
    client.addEventListener("signedin", () => this._start());
    client.addEventListener("signedout", () => this._stop());
    client.addEventListener("leader", () => this._post({ ask: true }));
    client.addEventListener("onConnect", (event) => this._connected(event.detail));
    if (client.signedIn) this._start();
  }

  /** The leader's view: how many of the browser's tabs are visible (for tests and pages). */
  get visibleTabs() {
    return [...this._hiddenTabs.values()].filter((hidden) => !hidden).length;
  }

  _start() {
    this._stop();
    this._channel = new BroadcastChannel(CHANNEL + this.client.username);
    this._channel.onmessage = (message) => this._heard(message.data);
    this._tell();
  }

  _stop() {
    if (this._channel) this._channel.close();
    this._channel = null;
    this._hiddenTabs.clear();
    this._stream = null;
  }

  /** This tab's state, to every tab (the leader keeps it), this one included. */
  _tell() {
    this._post({ tab: this._tab, hidden: document.visibilityState === "hidden" });
  }

  _post(message) {
    if (!this._channel) return;
    this._channel.postMessage(message);
    this._heard(message);
  }

  _heard(message) {
    if (message.ask) return this._tell();           // a new leader asks every tab
    if (message.gone) this._hiddenTabs.delete(message.tab);
    else this._hiddenTabs.set(message.tab, message.hidden === true);
    this._report();
  }

  _connected(onConnect) {
    if (!this.client.stream.leader || !onConnect || !onConnect.stream) return;
    this._stream = onConnect.stream;
    this._reported = false;
    this._report();
  }

  /** The leader: hidden when no tab is visible; said only when it changes. */
  _report() {
    if (!this.client.stream.leader || !this._stream) return;
    const hidden = this.visibleTabs === 0, stream = this._stream;
    if (hidden === this._reported) return;
    this._reported = hidden;
    this._sending = this._sending.then(() => this.client.request(
      "PUT", `/webpush/visibility/${encodeURIComponent(stream)}`, { hidden }).catch(() => {
      // The stream closed meanwhile: its successor is reported on its onConnect. Otherwise
      // the next change tries again.
      if (stream === this._stream && this._reported === hidden) this._reported = null;
    }));
  }
}
