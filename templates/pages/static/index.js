/* Sign-in: POST /api/v1/auth/token (OAuth2 password form), keep the token in sessionStorage, list the pages. */
"use strict";

(() => {
  const { t, auth, api, show, showError, busy } = App;
  const PAGES = ["/counter", "/marketing", "/outbox", "/admin"];
  const form = document.getElementById("login-form");
  const result = document.getElementById("login-result");

  function showPages(role) {
    document.getElementById("pages-section").hidden = false;
    for (const item of document.querySelectorAll(".page-links li")) {
      item.hidden = !item.dataset.roles.split(",").includes(role);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.username.value.trim();
    await busy(form.querySelector("button"), async () => {
      try {
        const { data } = await api.request("POST", "/auth/token", { form: { username, password: form.password.value } });
        auth.save(data.access_token, data.role, username);
      } catch (err) {
        showError(result, err, { 401: t("login.failed") });
        return;
      }
      const next = new URLSearchParams(location.search).get("next");
      if (PAGES.includes(next)) { location.href = next; return; } // only our own pages: no open redirect
      location.reload();
    });
  });

  App.gate().then(async (me) => {
    if (me) {
      showPages(me.role);
      show(result, "ok", t("login.signed_in_as") + " " + (me.full_name || me.username));
      if (me.role === "admin" && !(await api.get("/shop")).setup_done) { // first run: the shop's settings
        result.append(App.el("p", {}, App.el("a", { href: "/admin#setup", text: t("admin.setup.first") })));
      }
    }
  });
})();
