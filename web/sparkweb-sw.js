// SparkWeb's service worker, served at /sparkweb/sparkweb-sw.js (scope /sparkweb/).
// Shows each Web Push notification SparkWeb sends ({title, body, url, tag, type, from,
// timestamp}; docs/events.md) and, on click, focuses an open SparkWeb page or opens the
// notification's URL (always a path on this site).
"use strict";

self.addEventListener("push", (event) => {
  let note = {};
  if (event.data) {
    try { note = event.data.json(); } catch (notJson) { note = { body: event.data.text() }; }
  }
  const options = {
    body: note.body || "",
    data: { url: note.url || self.registration.scope, type: note.type, from: note.from },
    timestamp: Date.parse(note.timestamp) || Date.now(),
  };
  if (note.tag) { options.tag = note.tag; options.renotify = true; }   // newer replaces older
  event.waitUntil(self.registration.showNotification(note.title || "SparkWeb", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const scope = new URL(self.registration.scope);
  let target = new URL((event.notification.data && event.notification.data.url) || scope.href,
                       scope);
  if (target.origin !== scope.origin) { target = scope; }
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = pages.find((page) => new URL(page.url).pathname.startsWith(scope.pathname));
    if (open) {
      await open.focus();
      open.postMessage({ type: "sparkweb.notificationclick", url: target.href,
                         data: event.notification.data });
      return;
    }
    await self.clients.openWindow(target.href);
  })());
});
