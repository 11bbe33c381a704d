// Web Push for SparkWeb pages and web components: window.SparkWebPush.
//   await SparkWebPush.subscribe(token, "laptop");   // service worker, permission, subscription
//   await SparkWebPush.unsubscribe(token, "laptop");
//   SparkWebPush.reportVisibility(token, streamId);  // streamId: onConnect's "stream"
// A rotated server key (settings page) is noticed on the next subscribe(), which then makes a
// new subscription with the new key; so is a rotation between reading the key and storing the
// subscription (the server answers 409 stale_key to the key sent along): subscribed again once.
"use strict";
(function (global) {
  const api = "/sparkweb/api/rest";
  const worker = "/sparkweb/sparkweb-sw.js";

  function headers(token, json) {
    const result = { Authorization: "Bearer " + token };
    if (json) { result["Content-Type"] = "application/json"; }
    return result;
  }

  function toBytes(base64url) {
    const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") +
                      "=".repeat((4 - base64url.length % 4) % 4));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const given = subscription.options && subscription.options.applicationServerKey;
    if (!given) { return false; }
    const a = new Uint8Array(given), b = toBytes(key);
    return a.length === b.length && a.every((value, i) => value === b[i]);
  }

  async function check(answer) {
    if (!answer.ok) {
      let message = answer.statusText, code = null;
      try { ({ message, error: code } = await answer.json()); } catch (ignored) { /* not JSON */ }
      const error = new Error(message);
      error.code = code;
      throw error;
    }
    return answer.json();
  }

  async function register() {
    await navigator.serviceWorker.register(worker, { scope: "/sparkweb/" });
    return navigator.serviceWorker.ready;
  }

  async function subscribe(token, device) {
    if (!("serviceWorker" in navigator) || !("PushManager" in global)) {
      throw new Error("This browser has no Web Push.");
    }
    const registration = await register();
    if ((await Notification.requestPermission()) !== "granted") {
      throw new Error("Notifications are not allowed for this site.");
    }
    try {
      return await subscribeWithCurrentKey(registration, token, device);
    } catch (error) {
      if (error.code !== "stale_key") { throw error; }
      return subscribeWithCurrentKey(registration, token, device);   // rotated meanwhile
    }
  }

  // The browser's subscription for the server's current key (a new one if it was made with
  // another), stored for `device` together with the key it was made with.
  async function subscribeWithCurrentKey(registration, token, device) {
    const key = (await check(await fetch(api + "/webpush/vapidkey",
                                         { headers: headers(token) }))).publicKey;
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe(
        { userVisibleOnly: true, applicationServerKey: toBytes(key) });
    }
    const body = Object.assign(subscription.toJSON(), { applicationServerKey: key });
    await check(await fetch(api + "/webpush/subscribe/" + encodeURIComponent(device), {
      method: "POST", headers: headers(token, true), body: JSON.stringify(body) }));
    return subscription;
  }

  async function unsubscribe(token, device) {
    await check(await fetch(api + "/webpush/subscribe/" + encodeURIComponent(device),
                            { method: "DELETE", headers: headers(token) }));
    const registration = await navigator.serviceWorker.getRegistration("/sparkweb/");
    const subscription = registration && await registration.pushManager.getSubscription();
    if (subscription) { await subscription.unsubscribe(); }
  }

  // One visibilitychange listener per page, however often the stream reconnects: it reports
  // for the latest stream with the latest token (each onConnect calls reportVisibility again).
  const visibility = { token: null, streamId: null, listening: false };

  function reportCurrentVisibility() {
    return fetch(api + "/webpush/visibility/" + encodeURIComponent(visibility.streamId), {
      method: "PUT", headers: headers(visibility.token, true), keepalive: true,
      body: JSON.stringify({ hidden: document.visibilityState === "hidden" }) });
  }

  function reportVisibility(token, streamId) {
    visibility.token = token;
    visibility.streamId = streamId;
    if (!visibility.listening) {
      document.addEventListener("visibilitychange", reportCurrentVisibility);
      visibility.listening = true;
    }
    return reportCurrentVisibility();
  }

  function stopReportingVisibility() {
    document.removeEventListener("visibilitychange", reportCurrentVisibility);
    visibility.listening = false;
  }

  global.SparkWebPush = { register, subscribe, unsubscribe, reportVisibility,
                          stopReportingVisibility };
})(window);
