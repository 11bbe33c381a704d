// The smallest SparkWeb page: password login, then GET /user with the token.
const api = "/sparkweb/api/rest";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = document.getElementById("out");
  const username = document.getElementById("username").value;
  const login = await fetch(`${api}/login/${encodeURIComponent(username)}`, {
    method: "POST", body: document.getElementById("password").value });
  const answer = await login.json();
  if (!login.ok) { out.textContent = answer.message; return; }
  const user = await fetch(`${api}/user`, { headers: { Authorization: `Bearer ${answer.token}` } });
  out.textContent = JSON.stringify(await user.json(), null, 2);
});
