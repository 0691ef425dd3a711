/* Shared helpers for the pages: UI text, the bearer token in sessionStorage, JSON API calls, error display. */
"use strict";

const App = (() => {
  const body = document.body;
  const API = body.dataset.api || "/api/v1";
  const LANG = body.dataset.lang || "tr";
  const TZ = body.dataset.tz || undefined; // times are shown in the shop's zone, whatever the browser's
  const TEXT = JSON.parse(document.getElementById("i18n").textContent);

  function t(key, values) {
    let text = TEXT[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.replaceAll("{" + name + "}", value);
    return text;
  }

  const auth = {
    get token() { return sessionStorage.getItem("loyalty.token"); },
    get role() { return sessionStorage.getItem("loyalty.role"); },
    get username() { return sessionStorage.getItem("loyalty.username"); },
    save(token, role, username) {
      sessionStorage.setItem("loyalty.token", token);
      sessionStorage.setItem("loyalty.role", role);
      sessionStorage.setItem("loyalty.username", username);
    },
    clear() { for (const k of ["token", "role", "username"]) sessionStorage.removeItem("loyalty." + k); },
  };

  class ApiError extends Error {
    constructor(status, detail) {
      super(detailText(detail) || String(status));
      this.status = status;
      this.detail = detail;
    }
  }

  /** Readable text from {"detail": ...}: a string, {message, ...extra} or FastAPI's list of {loc, msg}. */
  function detailText(detail) {
    if (detail == null) return "";
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => {
        const loc = (item.loc || []).filter((p) => !["body", "query", "path"].includes(p)).join(".");
        return (loc ? loc + ": " : "") + (item.msg || JSON.stringify(item));
      }).join("; ");
    }
    if (typeof detail === "object") {
      const parts = [];
      if (detail.message) parts.push(detail.message);
      for (const [key, value] of Object.entries(detail)) {
        if (key === "message" || value == null || typeof value === "object") continue;
        parts.push(key.replaceAll("_", " ") + ": " + value);
      }
      return parts.join(" · ") || JSON.stringify(detail);
    }
    return String(detail);
  }

  async function request(method, path, { json, form, raw, headers: extra } = {}) {
    const headers = { "Accept-Language": LANG, ...(extra || {}) }; // errors come back in the page's language
    if (auth.token) headers.Authorization = "Bearer " + auth.token;
    let payload;
    if (json !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(json); }
    if (form !== undefined) payload = new URLSearchParams(form);
    let response;
    try {
      response = await fetch(API + path, { method, headers, body: payload });
    } catch (err) {
      throw new ApiError(0, t("err.network"));
    }
    if (!response.ok) {
      let detail;
      try { detail = (await response.json()).detail; } catch (err) { detail = response.statusText; }
      throw new ApiError(response.status, detail);
    }
    if (raw) return response;
    const data = response.status === 204 ? null : await response.json();
    return { status: response.status, data };
  }

  const api = {
    get: (path) => request("GET", path).then((r) => r.data),
    post: (path, json) => request("POST", path, { json }),
    del: (path) => request("DELETE", path),
    request,
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child != null) node.append(child);
    return node;
  }

  /** Show a message in a result box: kind "ok" | "error" | "info"; `more` is an optional extra node. */
  function show(box, kind, text, more) {
    box.replaceChildren();
    box.className = "result " + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.append(el("p", { text }));
    if (more) box.append(more);
  }

  /** An API error in the page language: a heading per status (overridable), then the server's detail. */
  function showError(box, err, overrides) {
    const status = err && err.status !== undefined ? err.status : -1;
    const heading = (overrides && overrides[status]) || t(status === 0 ? "err.network" : TEXT["err." + status] ? "err." + status : "err.other");
    const detail = err instanceof ApiError ? pageDetail(err.detail) : String(err);
    const more = detail && detail !== heading ? el("p", { class: "detail", text: detail }) : null;
    show(box, "error", heading, more);
    if (status === 401 && !["index", "member"].includes(document.body.dataset.page)) {
      auth.clear(); // an expired token: offer the way back in
      box.append(el("a", { href: "/?next=" + encodeURIComponent(location.pathname), text: t("login.go") }));
    }
  }

  /** The server's explanation (already in the page's language: every request sends Accept-Language). */
  function pageDetail(detail) {
    if (detail == null) return "";
    if (typeof detail === "string") return localText(detail);
    if (Array.isArray(detail)) return detail.map((item) => localText(item.msg || "")).filter(Boolean).join("; ");
    if (typeof detail === "object" && detail.message) return localText(detail.message);
    return detailText(detail);
  }

  async function busy(button, work) {
    const label = button ? button.textContent : "";
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    try { return await work(); } finally {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); button.textContent = label; }
    }
  }

  function roleName(role) { return t("role." + role); }

  let gated = null;
  /** The page gate, run once however many of a page's scripts ask (each screen's script awaits it). */
  function gate() { return gated || (gated = checkGate()); }

  /** Header "signed in as", and the page gate: no token -> sign-in link; wrong role -> a clear message. */
  async function checkGate() {
    const roles = (body.dataset.roles || "").split(",").filter(Boolean);
    const box = document.getElementById("gate");
    const who = document.getElementById("who");
    document.getElementById("sign-out").addEventListener("click", () => { auth.clear(); location.href = "/"; });
    /** The menu shows only the pages ``role`` may open (none before signing in). */
    const menuFor = (role) => {
      for (const item of document.querySelectorAll("nav li[data-roles]")) item.hidden = !role || !item.dataset.roles.split(",").includes(role);
    };
    menuFor(auth.role);
    if (!auth.token) {
      if (roles.length) {
        box.hidden = false;
        show(box, "error", t("login.need"), el("a", { href: "/?next=" + encodeURIComponent(location.pathname), text: t("login.go") }));
      }
      return null;
    }
    let me;
    try { me = await api.get("/auth/me"); } catch (err) {
      auth.clear();
      menuFor(null);
      if (roles.length) {
        box.hidden = false;
        showError(box, err);
        if (err.status !== 401) box.append(el("a", { href: "/?next=" + encodeURIComponent(location.pathname), text: t("login.go") }));
      }
      return null;
    }
    menuFor(me.role);
    who.hidden = false;
    document.getElementById("who-name").textContent = me.full_name || me.username;
    document.getElementById("who-role").textContent = roleName(me.role);
    if (roles.length && !roles.includes(me.role)) {
      box.hidden = false;
      show(box, "error", t("role.wrong", { roles: roles.map(roleName).join(", "), role: roleName(me.role) }),
        el("a", { href: "/", text: t("login.your_pages") }));
      return null;
    }
    for (const node of document.querySelectorAll(".needs-role")) node.hidden = false;
    return me;
  }

  const dateFormat = new Intl.DateTimeFormat(LANG, { day: "numeric", month: "long", year: "numeric", weekday: "short" });
  const timeFormat = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "short", timeZone: TZ });
  const percent = new Intl.NumberFormat(LANG, { style: "percent", maximumFractionDigits: 1 });
  const money = new Intl.NumberFormat(LANG, { style: "currency", currency: document.body.dataset.currency });

  function formatDate(iso) {
    if (!iso) return "";
    const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
    return dateFormat.format(new Date(y, m - 1, d));
  }
  function formatTime(iso) { return iso ? timeFormat.format(new Date(iso)) : ""; }
  function formatPercent(ratio) { return ratio == null ? "" : percent.format(Number(ratio)); }
  function stateName(state) { return TEXT["state." + state] ? t("state." + state) : state || ""; }
  function formatMoney(value) { return value == null || value === "" ? "" : money.format(Number(value)); }


  // ---- issue 12: amounts as the locale writes them, errors next to their field, confirmations

  /** The amount ``text`` says as "45.50", or null when it is not one (or is ambiguous): Money.read's rules. */
  function parseAmount(text) {
    const reading = Money.read(text, LANG);
    return reading && reading.value ? reading.value : null;
  }

  const plainNumber = new Intl.NumberFormat(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  /** "1250.5" -> "1.250,50" (tr): an amount as the page's language writes it in a field, without the symbol. */
  function formatAmount(value) { return value == null || value === "" ? "" : plainNumber.format(Number(value)); }

  /** Read the money field ``input`` as the page's language writes it: { ok, value } (value "45.50", or null
   * when it is empty and not ``required``). A bad amount is marked on the field; an ambiguous one ("4,500"
   * in Turkish) asks in ``box`` which was meant, and the field then shows the choice unambiguously. */
  async function readAmount(input, box, { required = true, allowZero = false } = {}) {
    const text = input.value.trim();
    const refuse = (key) => { fieldError(input, t(key)); input.focus(); return { ok: false }; };
    if (!text) return required ? refuse("field.required") : { ok: true, value: null };
    const reading = Money.read(text, LANG);
    if (!reading) return refuse("field.amount");
    let value = reading.value;
    if (!value) {
      value = await chooseInline(box, t(reading.choices.length > 1 ? "money.ambiguous" : "money.check", { text }),
        reading.choices.map((choice) => [choice, formatMoney(choice)]));
      if (!value) { input.focus(); return { ok: false }; }
      input.value = formatAmount(value);
    }
    if (!allowZero && Number(value) <= 0) return refuse("field.amount_positive");
    return { ok: true, value };
  }

  /** Ask in ``box`` which of ``choices`` ([value, label] pairs) was meant: the value, or null for "let me fix it". */
  function chooseInline(box, question, choices) {
    return new Promise((resolve) => {
      const group = el("div", { class: "confirm stack", role: "group", "aria-label": question });
      const done = (value) => { box.replaceChildren(); box.className = "result"; resolve(value); };
      const buttons = choices.map(([value, label]) => el("button", { type: "button", onclick: () => done(value) }, label));
      const fix = el("button", { type: "button", class: "secondary", onclick: () => done(null) }, t("money.fix"));
      group.append(el("p", { class: "question", text: question }), el("div", { class: "row" }, ...buttons, fix));
      group.addEventListener("keydown", (event) => { if (event.key === "Escape") done(null); });
      box.replaceChildren(group);
      box.className = "result warn";
      buttons[0].focus();
    });
  }

  /** A server message as text (the server words it in the request's Accept-Language; its "key" names it). */
  function localText(message) {
    return String(message || "");
  }

  function clearFieldErrors(form) {
    for (const node of form.querySelectorAll(".field-error")) node.remove();
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.endsWith("-error"));
      if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
    }
  }

  /** Put ``message`` right after the field (or its group), mark it invalid and describe it by the message. */
  function fieldError(input, message) {
    const id = (input.id || input.name) + "-error";
    const before = document.getElementById(id);
    if (before) before.remove();
    const anchor = input.closest("[data-field-group]") || input;
    anchor.insertAdjacentElement("afterend", el("p", { id, class: "field-error", text: message }));
    input.setAttribute("aria-invalid", "true");
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!ids.includes(id)) input.setAttribute("aria-describedby", [...ids, id].join(" "));
  }

  // typing in a field marked invalid takes its message away: it no longer describes what is there
  document.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof Element) || input.getAttribute("aria-invalid") !== "true") return;
    const id = (input.id || input.name) + "-error";
    const note = document.getElementById(id);
    if (note) note.remove();
    input.removeAttribute("aria-invalid");
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" ")); else input.removeAttribute("aria-describedby");
  });

  /** The fields an API error names ({loc:[..., field]} items or {field}); null when it names none. */
  function errorFields(err) {
    const detail = err && err.detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => ({ field: String((item.loc || []).slice(-1)[0] || ""), msg: item.msg || "" }));
    }
    if (detail && typeof detail === "object" && detail.field) return [{ field: detail.field, msg: detail.message || "" }];
    return null;
  }

  /** Show an API error next to the fields it names, in the page's language; focus the first. ``texts`` maps
   * a field name to its own message (a string, or a function of the error). True when a field was found. */
  function showFieldErrors(form, err, texts) {
    clearFieldErrors(form);
    const fields = errorFields(err) || [];
    let first = null;
    for (const { field, msg } of fields) {
      const input = form.querySelector(`[name="${CSS.escape(field)}"]`) || form.querySelector(`[data-field="${CSS.escape(field)}"]`);
      if (!input) continue;
      const own = texts && texts[field];
      const text = typeof own === "function" ? own(err, msg) : own || localText(msg) || t("err.422");
      fieldError(input, text);
      first = first || input;
    }
    if (first) first.focus();
    return first !== null;
  }

  /** An inline confirmation in ``box``: a question, an optional reason field, confirm and cancel buttons.
   * Resolves {ok, reason}. Keyboard first: the first control is focused; Escape cancels. */
  function confirmInline(box, question, yesLabel, { reasonLabel, danger } = {}) {
    return new Promise((resolve) => {
      const uid = "confirm-" + Math.random().toString(36).slice(2, 8);
      const reason = reasonLabel ? el("input", { id: uid, name: "reason", required: true, maxlength: "500", autocomplete: "off" }) : null;
      const form = el("form", { class: "confirm stack", "aria-label": question, novalidate: true });
      const yes = el("button", { type: "submit", class: danger ? "danger" : null }, yesLabel);
      const no = el("button", { type: "button", class: "secondary" }, t("common.cancel"));
      const done = (result) => { box.replaceChildren(); box.className = "result"; resolve(result); };
      form.append(el("p", { class: "question", text: question }));
      if (reason) form.append(el("label", { for: uid, text: reasonLabel }), reason);
      form.append(el("div", { class: "row" }, yes, no));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (reason) {
          clearFieldErrors(form);
          if (!reason.value.trim()) { fieldError(reason, t("field.reason")); reason.focus(); return; }
        }
        done({ ok: true, reason: reason ? reason.value.trim() : "" });
      });
      no.addEventListener("click", () => done({ ok: false }));
      form.addEventListener("keydown", (event) => { if (event.key === "Escape") done({ ok: false }); });
      box.replaceChildren(form);
      box.className = "result warn";
      box.setAttribute("role", "group");
      (reason || yes).focus();
    });
  }

  // ---- downloads, server-drawn charts and small tables: every call needs the bearer token

  /** Fetch ``path`` with the token and hand the answer to the browser as the file ``filename``. */
  async function download(path, filename) {
    const response = await api.request("GET", path, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  /** A chart drawn for the width it is shown at (on a phone its text keeps a readable size). */
  async function chartImage(path, alt) {
    const width = Math.max(300, Math.min(900, Math.round(document.querySelector("main").clientWidth - 48)));
    const response = await api.request("GET", `${path}${path.includes("?") ? "&" : "?"}width=${width}`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    return el("img", { class: "chart", src: url, alt, width: String(width) });
  }

  const facts = (pairs) => el("dl", { class: "facts" }, pairs.filter(([, v]) => v != null && v !== "")
    .flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v instanceof Node ? v : String(v))]));
  /** A captioned table in a focusable scrolling region (axe: scrollable-region-focusable). */
  const table = (caption, head, rows) => el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": caption }, el("table", {},
    el("caption", { class: "sr-only", text: caption }),
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows.map((r) => el("tr", {}, r.map((cell) => el("td", { text: cell == null ? "" : String(cell) })))))));

  const dayFormat = new Intl.DateTimeFormat(LANG, { day: "numeric", month: "long", year: "numeric", timeZone: TZ });
  /** The last day a thing is good for, in the shop's zone: an exclusive end instant minus a moment. */
  function formatLastDay(iso) { return iso ? dayFormat.format(new Date(new Date(iso).getTime() - 1)) : ""; }

  return { API, LANG, TZ, t, auth, api, ApiError, detailText, el, show, showError, busy, gate, roleName, formatDate, formatTime, formatMoney, formatPercent, stateName,
    parseAmount, readAmount, chooseInline, formatAmount, download, chartImage, facts, table, localText, clearFieldErrors, fieldError, showFieldErrors, confirmInline, formatLastDay };
})();
