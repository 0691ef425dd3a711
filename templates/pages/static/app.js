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
    const headers = { ...(extra || {}) };
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
      let detail = null;
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
    const detail = err instanceof ApiError ? detailText(err.detail) : String(err);
    const more = detail && detail !== heading ? el("p", { class: "detail", text: detail }) : null;
    show(box, "error", heading, more);
    if (status === 401 && !["index", "member"].includes(document.body.dataset.page)) {
      auth.clear(); // an expired token: offer the way back in
      box.append(el("a", { href: "/?next=" + encodeURIComponent(location.pathname), text: t("login.go") }));
    }
  }

  async function busy(button, work) {
    const label = button ? button.textContent : "";
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    try { return await work(); } finally {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); button.textContent = label; }
    }
  }

  function roleName(role) { return t("role." + role); }

  /** Header "signed in as", and the page gate: no token -> sign-in link; wrong role -> a clear message. */
  async function gate() {
    const roles = (body.dataset.roles || "").split(",").filter(Boolean);
    const box = document.getElementById("gate");
    const who = document.getElementById("who");
    document.getElementById("sign-out").addEventListener("click", () => { auth.clear(); location.href = "/"; });
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
      if (roles.length) {
        box.hidden = false;
        showError(box, err);
        if (err.status !== 401) box.append(el("a", { href: "/?next=" + encodeURIComponent(location.pathname), text: t("login.go") }));
      }
      return null;
    }
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

  return { API, LANG, TZ, t, auth, api, ApiError, detailText, el, show, showError, busy, gate, roleName, formatDate, formatTime, formatMoney, formatPercent, stateName };
})();
