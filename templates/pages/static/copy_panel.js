/* Words with named placeholders written in the page (templates/pages/_copy_form.html): a live preview as the
   member reads it, with the SMS parts and cost on each destination's route, as they type; the field a 422
   names is marked. Used by marketing's copy panel (a draft's own words, marketing_copy.js) and by /admin
   (the shop's default words, admin_copy.js). */
"use strict";

App.copyPanel = (() => {
  const { t, api, el, showError, clearFieldErrors, fieldError, formatMoney } = App;

  /** The form ``<prefix>-form`` made live. ``onSwitch`` runs when the language or channel changes, before
   * the preview; ``empty`` is what the preview says while no text is written. */
  return function copyPanel(prefix, { onSwitch, empty } = {}) {
    const $ = (name) => document.getElementById(`${prefix}-${name}`);
    const form = $("form");
    if (!form) return null;
    const box = $("preview");
    let timer = null;
    let asked = 0;

    function body() {
      return {
        locale: $("locale").value,
        channel: $("channel").value,
        trigger: $("trigger").value,
        text: $("text").value,
        subject: $("subject").value || null,
      };
    }

    /** The written parts of the chosen language and channel, as a message_copy entry. */
    function parts() {
      const { channel, text, subject } = body();
      return { [channel]: text.trim() || null, ...(channel === "email" ? { subject: (subject || "").trim() || null } : {}) };
    }

    /** Mark the field a 422 names ("message_copy.tr.sms", "text.tr.subject", ...); true when one was. */
    function markFields(err, { focus = false } = {}) {
      clearFieldErrors(form);
      const items = Array.isArray(err && err.detail) ? err.detail : [];
      let first = null;
      for (const item of items) {
        const where = String((item.loc || []).slice(-1)[0] || "");
        const input = where.endsWith("subject") ? $("subject") : where ? $("text") : null;
        if (!input) continue;
        fieldError(input, item.msg || t("err.422"));
        first = first || input;
      }
      if (first && focus) first.focus();
      return first !== null;
    }

    async function preview() {
      const mine = ++asked;
      const now = body();
      if (!now.text.trim()) {
        clearFieldErrors(form);
        box.replaceChildren(el("p", { class: "detail", text: empty || t("err.422") }));
        box.className = "result";
        return;
      }
      try {
        const { data } = await api.post("/campaigns/copy-preview", now);
        if (mine !== asked) return; // a newer keystroke's answer wins
        clearFieldErrors(form);
        const nodes = [];
        if (data.subject) nodes.push(el("p", { class: "detail", text: data.subject }));
        nodes.push(el("pre", { class: "message", text: data.text }));
        for (const part of data.parts || []) {
          nodes.push(el("p", { class: "parts", "data-route": part.route, text: t("copy.parts", {
            route: t("copy.route." + part.route), backend: t("copy.backend." + part.backend),
            segments: part.segments, encoding: part.encoding, cost: formatMoney(part.cost),
          }) }));
        }
        box.replaceChildren(...nodes);
        box.className = "result ok";
      } catch (err) {
        if (mine !== asked) return;
        showError(box, err);
        markFields(err);
      }
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(preview, 250);
    }

    form.addEventListener("input", (event) => { if (event.target.tagName !== "SELECT") soon(); });
    form.addEventListener("change", (event) => {
      if (event.target.tagName !== "SELECT") return;
      $("subject-row").hidden = $("channel").value !== "email";
      if (onSwitch && (event.target === $("locale") || event.target === $("channel"))) onSwitch(body());
      soon();
    });
    return { form, body, parts, preview, markFields, field: $ };
  };
})();
