// web/index.html: the chat opens the contact chosen in the roster (and again after a reload).
import { sparkweb } from "./sparkweb/components.js";

const chat = document.querySelector("sparkweb-chat");
const roster = document.querySelector("sparkweb-roster");
const remembered = sessionStorage.getItem("sparkweb.page.peer");
if (remembered) { chat.peer = remembered; roster.setAttribute("selected", remembered); }
document.addEventListener("sparkweb-select", (event) => {
  chat.peer = event.detail.jid;
  sessionStorage.setItem("sparkweb.page.peer", event.detail.jid);
  chat.focus();
});
sparkweb().addEventListener("signedout", () => sessionStorage.removeItem("sparkweb.page.peer"));
