/* Sign-in: POST /api/v1/auth/token (OAuth2 password form), keep the token in sessionStorage, list the pages.
 * On an empty database: the first admin's form (POST /api/v1/setup/first-admin, once), then straight in. */
"use strict";

(() => {
  const { t, auth, api, show, showError, busy, clearFieldErrors, showFieldErrors } = App;
  const PAGES = ["/counter", "/marketing", "/outbox", "/admin"];
  const HOME = { staff: "/counter", marketing: "/marketing", admin: "/admin" }; // where each role starts
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
      let role;
      try {
        const { data } = await api.request("POST", "/auth/token", { form: { username, password: form.password.value } });
        auth.save(data.access_token, data.role, username);
        role = data.role;
      } catch (err) {
        showError(result, err, { 401: t("login.failed") });
        return;
      }
      const next = new URLSearchParams(location.search).get("next");
      if (PAGES.includes(next)) { location.href = next; return; } // only our own pages: no open redirect
      if (HOME[role]) { location.href = HOME[role]; return; }
      location.reload();
    });
  });

  /** The first admin's form (kept in a <template> until the server says the database has no user). */
  function offerFirstAdmin() {
    const login = document.getElementById("login-section");
    login.before(document.getElementById("first-admin-template").content.cloneNode(true));
    login.hidden = true;
    const firstForm = document.getElementById("first-admin-form");
    const firstResult = document.getElementById("first-admin-result");
    firstForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFieldErrors(firstForm);
      const username = firstForm.username.value.trim();
      const password = firstForm.password.value;
      await busy(firstForm.querySelector("button"), async () => {
        try {
          await api.post("/setup/first-admin", { username, password, full_name: firstForm.full_name.value.trim() });
        } catch (err) {
          if (err.status === 422 && showFieldErrors(firstForm, err)) { firstResult.replaceChildren(); return; }
          if (err.status !== 409) { showError(firstResult, err); return; }
          show(firstResult, "error", t("first_admin.taken")); // someone was first: this form is done for good
          firstForm.remove();
          login.hidden = false;
          document.getElementById("login-username").focus();
          return;
        }
        const { data } = await api.request("POST", "/auth/token", { form: { username, password } });
        auth.save(data.access_token, data.role, username);
        location.href = "/admin#setup"; // next: the shop's own settings
      });
    });
    firstForm.username.focus();
  }

  App.gate().then(async (me) => {
    if (!me && (await api.get("/setup/first-admin")).open) offerFirstAdmin();
    if (me) {
      showPages(me.role);
      show(result, "ok", t("login.signed_in_as") + " " + (me.full_name || me.username));
      if (me.role === "admin" && !(await api.get("/shop")).setup_done) { // first run: the shop's settings
        result.append(App.el("p", {}, App.el("a", { href: "/admin#setup", text: t("admin.setup.first") })));
      }
    }
  });
})();
