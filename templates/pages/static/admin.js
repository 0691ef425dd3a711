/* The admin page: shop settings (first run), KVKK requests, users, stores, import, İYS export, audit log.
   Every call goes to the JSON API under /api/v1; the API checks the admin role on each. */
"use strict";

(() => {
  const { t, api, el, show, showError, busy, formatTime, roleName, auth, confirmInline, download, table } = App;
  const $ = (id) => document.getElementById(id);
  const SETUP = ["shop_name", "timezone", "country", "card_visits_needed", "card_window_days", "quiet_hours_start", "quiet_hours_end"];
  const NUMBERS = new Set(["card_visits_needed", "card_window_days", "quiet_hours_start", "quiet_hours_end"]);
  let me = null;

  const patch = (path, json) => api.request("PATCH", path, { json });
  const put = (path, json) => api.request("PUT", path, { json });

  // ---- shop settings ------------------------------------------------------------------------------
  async function loadSetup() {
    const state = await api.get("/shop");
    const form = $("setup-form");
    for (const name of SETUP) {
      form[name].value = state[name] ?? "";
      form[name].disabled = state.from_environment.includes(name);
    }
    $("setup-first").hidden = state.setup_done;
    const links = state.public_base_url ? new URL(state.public_base_url).origin : location.origin;
    $("setup-address").hidden = links === location.origin;
    $("setup-address").textContent = t("admin.address.differs", { url: links, here: location.origin });
    const fixed = state.from_environment.map((name) => t("admin.setup." + name));
    $("setup-env").hidden = !fixed.length;
    $("setup-env").textContent = t("admin.setup.env", { fields: fixed.join(", ") });
  }

  $("setup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = {};
    for (const name of SETUP) {
      if (form[name].disabled) continue;
      body[name] = NUMBERS.has(name) ? Number(form[name].value) : form[name].value.trim();
    }
    await busy(form.querySelector("button"), async () => {
      try { await put("/shop", body); } catch (err) { showError($("setup-result"), err); return; }
      show($("setup-result"), "ok", t("admin.setup.saved"));
      await loadSetup();
    });
  });

  // ---- KVKK requests ------------------------------------------------------------------------------
  async function loadRequests() {
    const box = $("requests-result");
    const table = $("requests-table");
    let rows;
    try { rows = await api.get("/requests"); } catch (err) { showError(box, err); return; }
    if (!rows.length) { show(box, "info", t("admin.requests.empty")); table.hidden = true; return; }
    box.replaceChildren();
    table.tBodies[0].replaceChildren(...rows.map((r) => el("tr", {},
      el("td", { text: r.member_name || t("admin.requests.erased_member", { id: r.member_id }) }),
      el("td", { "data-label": t("admin.requests.kind"), text: t("admin.requests.kind." + r.kind) }),
      el("td", { "data-label": t("admin.requests.when") }, el("time", { datetime: r.created_at, text: formatTime(r.created_at) })),
      el("td", { class: "row" },
        el("button", { type: "button", class: "small", text: t("admin.requests.export"),
          onclick: (e) => busy(e.target, () => download(`/members/${r.member_id}/export`, `member-${r.member_id}.json`)
            .catch((err) => showError(box, err))) }),
        el("button", { type: "button", class: "small", text: t("admin.requests.erase"),
          onclick: (e) => erase(e.target, r.member_id, r.member_name || "#" + r.member_id, box) }),
        el("button", { type: "button", class: "small", text: t("admin.requests.done"),
          onclick: (e) => busy(e.target, async () => {
            try { await api.post(`/requests/${r.id}/done`, {}); } catch (err) { showError(box, err); return; }
            await loadRequests();
          }) })))));
    table.hidden = false;
  }

  /** Erase after an in-page confirmation that names the member (never the browser's confirm box). */
  async function erase(button, memberId, name, box) {
    const answer = await confirmInline(box, t("admin.requests.erase_confirm", { name }), t("admin.requests.erase_yes", { name }), { danger: true });
    if (!answer.ok) { button.focus(); return; }
    await busy(button, async () => {
      try { await api.del(`/members/${memberId}`); } catch (err) { showError(box, err); return; }
      await loadRequests();
      if (box.id === "find-member-result") $("find-member-list").replaceChildren();
      show(box, "ok", t("admin.requests.erased", { name }));
    });
  }

  // any member, asked or not (a letter, a call at the shop): found by phone or name, then export or erase
  $("find-member-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("find-member-result");
    const query = $("find-member-query").value.trim();
    if (!query) { $("find-member-query").focus(); return; }
    const param = /^[\d\s+()-]+$/.test(query) ? "phone" : "q";
    await busy(event.submitter, async () => {
      let found;
      try { found = await api.get(`/members?${param}=${encodeURIComponent(query)}&limit=20`); } catch (err) { showError(box, err); return; }
      box.replaceChildren();
      if (!found.length) show(box, "info", t("find.none"));
      $("find-member-list").replaceChildren(...found.map((m) => el("li", { class: "row" },
        el("strong", { text: m.full_name }), el("span", { text: m.phone_display || m.phone }),
        el("button", { type: "button", class: "small", text: t("admin.requests.export"), "aria-label": `${t("admin.requests.export")}: ${m.full_name}`,
          onclick: (e) => busy(e.target, () => download(`/members/${m.id}/export`, `member-${m.id}.json`).catch((err) => showError(box, err))) }),
        el("button", { type: "button", class: "small danger", text: t("admin.requests.erase"), "aria-label": `${t("admin.requests.erase")}: ${m.full_name}`,
          onclick: (e) => erase(e.target, m.id, m.full_name, box) }))));
    });
  });

  // ---- users --------------------------------------------------------------------------------------
  let userLoads = 0;
  async function loadUsers() {
    const box = $("users-result");
    const load = ++userLoads;
    let users;
    try { users = await api.get("/users"); } catch (err) { showError(box, err); return; }
    if (load !== userLoads) return;  // a later load's answer is (or will be) drawn: an older one would undo it
    $("users-table").tBodies[0].replaceChildren(...users.map((u) => {
      const role = el("select", { "aria-label": t("admin.users.role") + " — " + u.username },
        ...["staff", "marketing", "admin"].map((r) => el("option", { value: r, selected: r === u.role, text: roleName(r) })));
      role.addEventListener("change", () => change(u, { role: role.value }));
      const password = el("input", { type: "password", autocomplete: "new-password", minlength: "8",
        placeholder: t("admin.users.new_password"), "aria-label": t("admin.users.new_password") + " — " + u.username });
      return el("tr", { "data-user": u.username },
        el("th", { scope: "row" }, u.username, u.full_name ? el("div", { class: "detail", text: u.full_name }) : null),
        el("td", { "data-label": t("admin.users.role") }, role),
        el("td", { "data-label": t("admin.users.active"), text: u.is_active ? t("admin.users.is_active") : t("admin.users.disabled") }),
        el("td", {}, el("div", { class: "row" },
          u.id === me.id ? null : el("button", { type: "button", class: "small",
            text: u.is_active ? t("admin.users.disable") : t("admin.users.enable"),
            onclick: () => change(u, { is_active: !u.is_active }) }),
          password,
          el("button", { type: "button", class: "small", text: t("admin.users.reset"),
            onclick: (e) => busy(e.target, async () => {
              try { await api.post(`/users/${u.id}/password`, { password: password.value }); } catch (err) { showError(box, err); return; }
              password.value = "";
              show(box, "ok", t("admin.users.changed", { name: u.username }));
            }) }))));
    }));
  }

  async function change(user, body) {
    const box = $("users-result");
    try { await patch(`/users/${user.id}`, body); } catch (err) { showError(box, err); await loadUsers(); return; }
    await loadUsers();  // the table shows the change when the page says it is done
    show(box, "ok", t("admin.users.changed", { name: user.username }));
  }

  $("user-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { username: form.username.value.trim(), full_name: form.full_name.value.trim(), role: form.role.value, password: form.password.value };
    await busy(form.querySelector("button"), async () => {
      try { await api.post("/users", body); } catch (err) { showError($("users-result"), err); return; }
      form.reset();
      await loadUsers();
      show($("users-result"), "ok", t("admin.users.created", { name: body.username }));
    });
  });

  // ---- stores -------------------------------------------------------------------------------------
  async function loadStores() {
    let stores;
    try { stores = await api.get("/stores"); } catch (err) { showError($("stores-result"), err); return; }
    const list = $("stores-list");
    if (!stores.length) { list.replaceChildren(el("li", { text: t("admin.stores.empty") })); return; }
    list.replaceChildren(...stores.map((s) => el("li", {}, el("strong", { text: s.name }), " · ",
      el("code", { text: s.code }), " · " + s.timezone)));
  }

  $("store-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { name: form.name.value.trim(), timezone: form.timezone.value.trim(), code: form.code.value.trim() || null };
    await busy(form.querySelector("button"), async () => {
      try { await api.post("/stores", body); } catch (err) { showError($("stores-result"), err); return; }
      form.name.value = ""; form.code.value = "";
      show($("stores-result"), "ok", t("admin.stores.created", { name: body.name }));
      await loadStores();
    });
  });

  // ---- import -------------------------------------------------------------------------------------
  $("import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("import-result");
    const data = new FormData();
    data.append("file", form.file.files[0]);
    data.append("dry_run", form.dry_run.checked ? "true" : "false");
    await busy(form.querySelector("button"), async () => {
      let response;
      try {
        response = await fetch(App.API + "/members/import", { method: "POST", body: data, headers: { Authorization: "Bearer " + auth.token } });
      } catch (err) { showError(box, new App.ApiError(0, t("err.network"))); return; }
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) { showError(box, new App.ApiError(response.status, answer.detail)); return; }
      const more = el("div", {});
      if (answer.dry_run) more.append(el("p", { text: t("admin.import.dry") }));
      if (answer.errors) {
        const url = URL.createObjectURL(new Blob([answer.errors_csv], { type: "text/csv" }));
        more.append(el("p", {}, el("a", { href: url, download: "import-errors.csv", text: t("admin.import.errors") })));
        more.append(table(t("admin.import.errors"), ["line", "field", "error"].map((k) => t("admin.import." + k)),
          answer.error_rows.map((e) => [e.line, e.field, e.error])));
      }
      show(box, answer.errors ? "info" : "ok", t("admin.import.summary", {
        rows: answer.rows, created: answer.created, existing: answer.existing, consent: answer.consent_recorded, errors: answer.errors,
      }), more);
    });
  });

  // ---- İYS ----------------------------------------------------------------------------------------
  $("iys-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const since = event.target.since.value;
    await busy(event.target.querySelector("button"), () =>
      download(`/consent/iys?format=csv&since=${encodeURIComponent(since)}`, `iys-${since}.csv`).catch((err) => showError($("iys-result"), err)));
  });

  async function loadIysSync() {
    const state = await api.get("/consent/iys/sync");
    const when = (value) => (value ? formatTime(value) : "–");
    const lines = [
      state.configured ? state.problem || t("admin.iys.sync_ok") : t("admin.iys.sync_off"),
      t("admin.iys.sync_counts", { pending: state.pending, failed: state.failed, push: when(state.last_push_at), pull: when(state.last_pull_at) }),
    ];
    if (state.last_error) lines.push(t("admin.iys.sync_error", { error: state.last_error, at: when(state.last_error_at) }));
    $("iys-sync").replaceChildren(...lines.map((text) => el("p", { text })));
  }

  // ---- audit log ----------------------------------------------------------------------------------
  function dayStart(value) { return value ? new Date(value + "T00:00:00").toISOString() : ""; }
  function changesText(changes) {
    return Object.entries(changes || {}).map(([key, value]) =>
      Array.isArray(value) ? `${key}: ${value[0] ?? "–"} → ${value[1] ?? "–"}` : `${key}: ${value}`).join("\n");
  }

  async function loadAudit(button) {
    const form = $("audit-form");
    const params = new URLSearchParams();
    if (form.actor.value.trim()) params.set("actor", form.actor.value.trim());
    if (form.target.value.trim()) params.set("target", form.target.value.trim());
    if (form.from.value) params.set("from", dayStart(form.from.value));
    if (form.to.value) { const end = new Date(form.to.value + "T00:00:00"); end.setDate(end.getDate() + 1); params.set("to", end.toISOString()); }
    const box = $("audit-result");
    const table = $("audit-table");
    await busy(button, async () => {
      let entries;
      try { entries = await api.get("/audit?" + params); } catch (err) { showError(box, err); return; }
      if (!entries.length) { show(box, "info", t("admin.audit.empty")); table.hidden = true; return; }
      box.replaceChildren();
      table.tBodies[0].replaceChildren(...entries.map((e) => el("tr", {},
        el("td", {}, el("time", { datetime: e.at, text: formatTime(e.at) })),
        el("td", { "data-label": t("admin.audit.who"), text: e.actor }),
        el("td", { "data-label": t("admin.audit.action"), text: e.action }),
        el("td", { "data-label": t("admin.audit.target_col"), text: e.target_type + (e.target_id ? ":" + e.target_id : "") }),
        el("td", {}, el("pre", { text: changesText(e.changes) })))));
      table.hidden = false;
    });
  }

  $("audit-form").addEventListener("submit", (event) => { event.preventDefault(); loadAudit(event.target.querySelector("button")); });

  App.gate().then(async (user) => {
    if (!user) return;
    me = user;
    $("iys-since").value = new Date(Date.now() - 7 * 864e5).toISOString().slice(0, 10);
    await Promise.all([loadSetup(), loadRequests(), loadUsers(), loadStores(), loadAudit(null), loadIysSync()]);
  });
})();
