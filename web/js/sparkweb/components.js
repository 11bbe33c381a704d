// Every SparkWeb element, defined on import:
//   <script type="module" src="/sparkweb/js/sparkweb/components.js"></script>
export { SparkWebClient, SparkWebError, sparkweb } from "./client.js";
export { SparkWebLogin } from "./login.js";
export { SparkWebRoster } from "./roster.js";
export { SparkWebChat } from "./chat.js";
export { SparkWebPresence } from "./presence.js";
export { SparkWebRooms } from "./rooms.js";
export { SparkWebGroupchat } from "./groupchat.js";
export { SparkWebNotifications } from "./notifications.js";
