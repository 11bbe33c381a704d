// SparkWeb's WebAuthn API from a page: start -> navigator.credentials -> finish.
// Options and credentials travel in WebAuthn's JSON form (binary values as base64url).
const api = "/sparkweb/api/rest";
let token = null;

const $ = (id) => document.getElementById(id);
const username = () => $("username").value.trim();
const show = (text) => { $("out").textContent = text; };

async function call(method, path, body, headers = {}) {
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined && typeof body !== "string") {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  const response = await fetch(api + path, { method, headers, body });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.message || response.statusText);
  return answer;
}

// --- base64url <-> bytes, for browsers without the JSON helpers of WebAuthn Level 3 ---------
const toBytes = (text) => Uint8Array.from(
  atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const toText = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON)
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return { ...json, challenge: toBytes(json.challenge),
           user: { ...json.user, id: toBytes(json.user.id) },
           excludeCredentials: json.excludeCredentials.map((c) => ({ ...c, id: toBytes(c.id) })) };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON)
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: toBytes(json.challenge),
           allowCredentials: json.allowCredentials.map((c) => ({ ...c, id: toBytes(c.id) })) };
}

function credentialJSON(credential) {
  if (credential.toJSON) return credential.toJSON();
  const r = credential.response, json = { id: credential.id, rawId: toText(credential.rawId),
    type: credential.type, clientExtensionResults: credential.getClientExtensionResults(),
    response: { clientDataJSON: toText(r.clientDataJSON) } };
  if (r.attestationObject) {
    json.response.attestationObject = toText(r.attestationObject);
    json.response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    json.response.authenticatorData = toText(r.authenticatorData);
    json.response.signature = toText(r.signature);
    if (r.userHandle) json.response.userHandle = toText(r.userHandle);
  }
  return json;
}

// --- the ceremonies ------------------------------------------------------------------------
async function addPasskey(name) {
  const options = await call("POST", `/webauthn/register/start/${encodeURIComponent(username())}`);
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  return call("POST", `/webauthn/register/finish/${encodeURIComponent(username())}`,
              { credential: credentialJSON(credential), name });
}

async function signInWithPasskey() {
  const user = encodeURIComponent(username());
  const options = await call("POST", `/webauthn/authenticate/start/${user}`);
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  return signedIn(await call("POST", `/webauthn/authenticate/finish/${user}`,
                             credentialJSON(credential)));
}

async function signInWithPassword() {
  token = null;
  return signedIn(await call("POST", `/login/${encodeURIComponent(username())}`,
                             { password: $("password").value }));
}

async function signedIn(answer) {
  token = answer.token;
  $("add-passkey").disabled = false;
  await listPasskeys();
  const user = await call("GET", "/user");
  show(`Signed in as ${user.username}`);
  return user;
}

async function listPasskeys() {
  const { credentials } = await call("GET", "/webauthn/credentials");
  $("passkeys").replaceChildren(...credentials.map((passkey) => {
    const item = document.createElement("li"), remove = document.createElement("button");
    item.textContent = `${passkey.name} (added ${new Date(passkey.createdAt).toLocaleString()}) `;
    item.dataset.id = passkey.id;
    remove.textContent = "Delete";
    remove.onclick = () => run(async () => {
      await call("DELETE", `/webauthn/credentials/${passkey.id}`);
      await listPasskeys();
      return "Passkey deleted";
    });
    item.append(remove);
    return item;
  }));
  return credentials;
}

// Every button shows its outcome, or the API's message when it fails.
async function run(action) {
  try { const result = await action(); if (typeof result === "string") show(result); }
  catch (error) { show(`Failed: ${error.message}`); }
}

$("password-sign-in").onclick = () => run(signInWithPassword);
$("passkey-sign-in").onclick = () => run(signInWithPasskey);
$("add-passkey").onclick = () => run(async () => {
  const added = await addPasskey($("passkey-name").value);
  await listPasskeys();
  return `Passkey "${added.name}" added`;
});
window.sparkwebPasskeys = { addPasskey, signInWithPasskey, call, requestOptions, credentialJSON };
