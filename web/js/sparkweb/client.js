// SparkWeb's client module: sign-in (password or passkey), a token kept and renewed before it
// expires, REST calls whose JSON errors become exceptions, and the events of the user's
// SparkWeb session, received over ONE stream per browser shared by all tabs (stream.js).
//
//   import { sparkweb } from "/sparkweb/js/sparkweb/client.js";
//   const client = sparkweb();                     // the page's shared client
//   await client.signIn("alice", "secret");
//   client.addEventListener("chatapi.chat", (e) => console.log(e.detail));
//   await client.sendMessage("bob", "Hello");
import { SharedEventStream } from "./stream.js";
import { Conversations } from "./conversations.js";
import { VisibilityReport } from "./visibility.js";
import { credentialJSON, requestOptions } from "./webauthn.js";

const AUTH_KEY = "sparkweb.auth";       // localStorage: shared by the tabs of this origin
const RENEW_AT = 0.75;                   // renew after three quarters of a token's lifetime
const RETRY_MS = 30000;                  // a renewal that failed, or left to the leader tab

/** An API answer other than 2xx: `status`, `error` (e.g. "unauthorized"), `message`. */
export class SparkWebError extends Error {
  constructor(status, error, message, retryAfter = null) {
    super(message || error || `HTTP ${status}`);
    this.name = "SparkWebError";
    this.status = status;
    this.error = error;
    this.retryAfter = retryAfter;
  }
}

export class SparkWebClient extends EventTarget {
  constructor({ base = "/sparkweb", storage = window.localStorage } = {}) {
    super();
    this.base = base.replace(/\/$/, "");
    this.rest = `${this.base}/api/rest`;
    this._storage = storage;
    this._auth = this._readAuth();
    this._renewTimer = null;
    this._signOuts = 0;                 // an answer asked for before a sign-out is void
    this.stream = new SharedEventStream(this);
    this.conversations = new Conversations(this);
    this.visibility = new VisibilityReport(this);
    window.addEventListener("storage", (event) => {
      if (event.key === AUTH_KEY) this._authChangedElsewhere();
    });
    if (this._auth) queueMicrotask(() => this._started());
  }

  get username() { return this._auth ? this._auth.username : null; }
  get token() { return this._auth ? this._auth.token : null; }
  get signedIn() { return this._auth !== null; }
  get expires() { return this._auth ? this._auth.expires : null; }

  // --- signing in and out ---------------------------------------------------------------
  async signIn(username, password) {
    const answer = await this.request("POST", `/login/${encodeURIComponent(username.trim())}`,
                                      { password }, { anonymous: true });
    return this._signedIn(answer);
  }

  async signInWithPasskey(username) {
    const user = encodeURIComponent(username.trim());
    const options = await this.request("POST", `/webauthn/authenticate/start/${user}`, undefined,
                                       { anonymous: true });
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    const answer = await this.request("POST", `/webauthn/authenticate/finish/${user}`,
                                      credentialJSON(credential), { anonymous: true });
    return this._signedIn(answer);
  }

  async signOut() {
    const token = this.token;
    this._forget();
    if (token) await this._logout(token);
  }

  /** A fresh token without the password; the other tabs pick it up from storage. A refusal
   *  (the sign-in reached sparkweb.token.maxAge.seconds) leaves the current token in place.
   *  Signing out (in any tab) while the renewal is on its way wins: the new token is never
   *  stored, and is revoked (review of issue 15, C2). */
  async renew() {
    const signOuts = this._signOuts;
    const answer = await this.request("POST", "/renew", undefined, { keepOnRefusal: true });
    if (signOuts !== this._signOuts) {
      this._logout(answer.token);
      throw new SparkWebError(0, "signed_out", "Signed out while the token was renewed.");
    }
    this._store(withLifetime(answer));
    this._scheduleRenewal();
    return answer;
  }

  async _logout(token) {
    try {
      await fetch(`${this.rest}/logout`, { method: "POST",
                                          headers: { Authorization: `Bearer ${token}` } });
    } catch (error) { /* offline: the token expires on its own */ }
  }

  // --- REST -------------------------------------------------------------------------------
  /** Calls `path` under /api/rest; answers the parsed JSON, throws SparkWebError otherwise.
   *  A string body goes as text/plain, anything else as JSON. */
  async request(method, path, body, { anonymous = false, keepOnRefusal = false } = {}) {
    const headers = { Accept: "application/json" };
    if (!anonymous && this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined && typeof body !== "string") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(this.rest + path, { method, headers, body, cache: "no-store" });
    } catch (error) {
      throw new SparkWebError(0, "network", navigator.onLine === false ?
        "offline" : "The server cannot be reached.");
    }
    const text = await response.text();
    let answer = {};
    try { answer = text ? JSON.parse(text) : {}; } catch (error) { answer = {}; }
    if (!response.ok) {
      if (response.status === 401 && !anonymous && !keepOnRefusal && this.signedIn &&
          aboutTheToken(response, answer)) this._forget();
      throw new SparkWebError(response.status, answer.error, answer.message,
                              response.headers.get("Retry-After"));
    }
    return answer;
  }

  user() { return this.request("GET", "/user"); }
  /** The XMPP domain (GET /config/global), fetched once per sign-in. */
  domain() {
    if (!this._domain) {
      this._domain = this.request("GET", "/config/global").then((answer) =>
        answer.properties.find((entry) => entry.key === "xmpp.domain").value);
      this._domain.catch(() => { this._domain = null; });
    }
    return this._domain;
  }
  /** `peer` as a bare JID: a username gets this server's domain. */
  async jidOf(peer) {
    return peer.includes("@") ? bareJid(peer) : `${peer.trim().toLowerCase()}@${await this.domain()}`;
  }
  rosterWithPresence() { return this.request("GET", "/presence/roster"); }
  setPresence(show, status) { return this.request("POST", "/presence", { show, status }); }
  sendChatState(to, state) {
    return this.request("POST", `/chat/chatstate/${encodeURIComponent(state)}/${encodeURIComponent(to)}`);
  }
  async sendMessage(to, body) {
    const answer = await this.request("POST", `/chat/message/${encodeURIComponent(to)}`, { body });
    // The server sends no event for one's own message: tell this tab and the others.
    this.stream.publish("sparkweb.sent", { type: "chat", from: this.username, to: answer.to,
                                          body, id: answer.id, timestamp: new Date().toISOString() });
    return answer;
  }

  // --- what happens inside ----------------------------------------------------------------
  /** Hands one event to the page: `sparkweb-event` with {name, data, id}, then `name`. */
  _deliver(name, data, id) {
    this.dispatchEvent(new CustomEvent("sparkweb-event", { detail: { name, data, id } }));
    this.dispatchEvent(new CustomEvent(name, { detail: data }));
  }

  _status(state) {
    this.connection = state;
    this.dispatchEvent(new CustomEvent("connection", { detail: state }));
  }

  _signedIn(answer) {
    this._store(withLifetime(answer));
    this._started();
    return answer;
  }

  _started() {
    this._scheduleRenewal();
    this.conversations.open(this.username);
    this.stream.start(this.username);
    this.dispatchEvent(new CustomEvent("signedin", { detail: { username: this.username } }));
  }

  _forget() {
    const was = this._auth;
    this._auth = null;
    this._storage.removeItem(AUTH_KEY);
    this._stopped(was);
  }

  _stopped(was) {
    this._signOuts++;
    clearTimeout(this._renewTimer);
    this._domain = null;
    this.stream.stop();
    this.conversations.close();
    if (was) this.dispatchEvent(new CustomEvent("signedout", { detail: { username: was.username } }));
  }

  _authChangedElsewhere() {
    const before = this._auth, after = this._readAuth();
    this._auth = after;
    if (!after) return this._stopped(before);
    if (!before || before.username !== after.username) {
      if (before) this._stopped(before);
      return this._started();
    }
    this._scheduleRenewal();            // renewed in another tab
  }

  /** Renews after three quarters of the token's lifetime, counted on this browser's clock from
   *  when the token arrived (the server's clock may differ from the browser's). */
  _scheduleRenewal() {
    clearTimeout(this._renewTimer);
    if (!this._auth) return;
    const { received, lifetime } = this._auth;
    const at = (received + lifetime * RENEW_AT) * 1000;
    this._renewTimer = setTimeout(() => this._renewOnce(), Math.max(at - Date.now(), 1000));
  }

  /** /renew refused (the sign-in is too old to renew): the token stays until it expires. */
  _keepUntilExpiry() {
    clearTimeout(this._renewTimer);
    if (!this._auth) return;
    const { received, lifetime } = this._auth;
    const left = (received + lifetime) * 1000 - Date.now();
    this._renewTimer = setTimeout(() => this._forget(), Math.max(left, 0));
  }

  /** One tab renews: the stream's leader (one per browser). The others find the new token in
   *  storage. A lock around "read storage, renew" would not do: storage written in one tab
   *  reaches the others a moment later, so a tab taking the lock next could still read the old
   *  token and renew a second time. A tab that is not the leader looks again later, in case
   *  no new token came (the storage event reschedules it when one does). */
  async _renewOnce() {
    if (!this._auth) return;
    if (!this.stream.leader) {
      this._renewTimer = setTimeout(() => this._renewOnce(), RETRY_MS);
      return;
    }
    const signOuts = this._signOuts;
    try { await this.renew(); } catch (error) {
      if (signOuts !== this._signOuts) return;       // signed out meanwhile: nothing to renew
      if (error.status === 401) this._keepUntilExpiry();
      else this._renewTimer = setTimeout(() => this._renewOnce(), RETRY_MS);
    }
  }

  _store(auth) {
    this._auth = auth;
    this._storage.setItem(AUTH_KEY, JSON.stringify(auth));
  }

  _readAuth() {
    try {
      const auth = JSON.parse(this._storage.getItem(AUTH_KEY));
      if (auth && !auth.lifetime && auth.issued) {       // stored by an earlier version
        Object.assign(auth, { received: auth.issued, lifetime: auth.expires - auth.issued });
      }
      return auth && auth.token && auth.lifetime &&
        (auth.received + auth.lifetime) * 1000 > Date.now() ? auth : null;
    } catch (error) { return null; }
  }
}

/** A sign-in or renewal answer as stored: with `received` (this browser's clock, seconds) and
 *  `lifetime` (the token's own exp - iat), so that expiry and renewal never compare the
 *  browser's clock with the server's. */
function withLifetime(answer) {
  const { iat, exp } = tokenClaims(answer.token);
  const lifetime = Number.isFinite(exp - iat) && exp > iat ? exp - iat : 0;
  return { token: answer.token, username: answer.username, expires: answer.expires,
           received: Date.now() / 1000, lifetime };
}

/** A 401 that refuses the token (expired, revoked): the server's carry WWW-Authenticate and
 *  the error "unauthorized". A room's refusal of a wrong or missing password is a 401 too
 *  (error "not-authorized", no WWW-Authenticate): it must not sign the user out (S5-15-4). */
function aboutTheToken(response, answer) {
  return response.headers.has("WWW-Authenticate") || !answer.error || answer.error === "unauthorized";
}

/** The claims of a JWT (read, not verified: the server verifies). */
function tokenClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
  } catch (error) { return {}; }
}

let shared = null;
/** The page's one client, shared by every SparkWeb element on it. */
export function sparkweb() {
  if (!shared) shared = new SparkWebClient();
  return shared;
}

/** The local part of a JID or username: "bob@example.org/web" -> "bob". */
export function bareJid(jid) { return (jid || "").split("/")[0]; }
export function localPart(jid) { return bareJid(jid).split("@")[0]; }
