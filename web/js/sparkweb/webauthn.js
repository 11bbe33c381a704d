// WebAuthn's JSON form (binary values as base64url), for browsers without the Level 3 helpers.
const toBytes = (text) => Uint8Array.from(
  atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const toText = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export function requestOptions(json) {
  if (window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON)
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: toBytes(json.challenge),
           allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: toBytes(c.id) })) };
}

export function credentialJSON(credential) {
  if (credential.toJSON) return credential.toJSON();
  const r = credential.response;
  const json = { id: credential.id, rawId: toText(credential.rawId), type: credential.type,
                 clientExtensionResults: credential.getClientExtensionResults(),
                 response: { clientDataJSON: toText(r.clientDataJSON),
                             authenticatorData: toText(r.authenticatorData),
                             signature: toText(r.signature) } };
  if (r.userHandle) json.response.userHandle = toText(r.userHandle);
  return json;
}
