// web/index.html: the chat opens the contact chosen in the roster, the group chat the room
// chosen in the rooms list (and again after a reload).
import { sparkweb } from "./sparkweb/components.js";

const chat = document.querySelector("sparkweb-chat");
const roster = document.querySelector("sparkweb-roster");
const groupchat = document.querySelector("sparkweb-groupchat");
const rooms = document.querySelector("sparkweb-rooms");
const PEER = "sparkweb.page.peer", ROOM = "sparkweb.page.room";

const peer = sessionStorage.getItem(PEER), room = sessionStorage.getItem(ROOM);
if (peer) { chat.peer = peer; roster.setAttribute("selected", peer); }
if (room) { groupchat.room = room; rooms.setAttribute("selected", room); }
document.addEventListener("sparkweb-select", (event) => {
  if (event.detail.room) {
    groupchat.room = event.detail.room;
    sessionStorage.setItem(ROOM, event.detail.room);
    if (event.detail.joined) groupchat.focus();
    return;
  }
  chat.peer = event.detail.jid;
  sessionStorage.setItem(PEER, event.detail.jid);
  chat.focus();
});
sparkweb().addEventListener("signedout", () => {
  sessionStorage.removeItem(PEER);
  sessionStorage.removeItem(ROOM);
});
