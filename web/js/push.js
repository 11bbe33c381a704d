// The notifications demo page (push.html): sign in, subscribe this browser, keep an event
// stream open and tell SparkWeb when the page is hidden.
"use strict";
const api = "/sparkweb/api/rest";
const out = document.getElementById("out");
const device = "browser-" + (navigator.userAgentData && navigator.userAgentData.platform || "web");
let token = null;

function say(text) { out.textContent += text + "\n"; }

document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = document.getElementById("username").value;
  const login = await fetch(`${api}/login/${encodeURIComponent(username)}`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ password: document.getElementById("password").value }) });
  const answer = await login.json();
  if (!login.ok) { say(answer.message); return; }
  token = answer.token;
  const events = new EventSource(`/sparkweb/sse?token=${encodeURIComponent(token)}`);
  events.addEventListener("onConnect", (e) => {
    SparkWebPush.reportVisibility(token, JSON.parse(e.data).stream);
  });
  events.addEventListener("chatapi.chat", (e) => {
    const message = JSON.parse(e.data);
    if (message.body) { say(`${message.from}: ${message.body}`); }
  });
  try {
    await SparkWebPush.subscribe(token, device);
    say("Notifications are on for this browser.");
    document.getElementById("disable").disabled = false;
  } catch (error) {
    say("Notifications are off: " + error.message);
  }
});

document.getElementById("disable").addEventListener("click", async () => {
  await SparkWebPush.unsubscribe(token, device);
  say("Notifications are off for this browser.");
});
