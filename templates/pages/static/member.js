/* The member's own page: consent, a pause, occasions with their purpose. The link's token is the credential. */
"use strict";

(() => {
  const { t, api, el, show, showError, busy, formatDate } = App;
  const $ = (id) => document.getElementById(id);
  const token = encodeURIComponent($("self").dataset.token);
  const base = `/self/${token}`;
  const { kinds } = JSON.parse($("self-data").textContent);
  let state = null;

  function render(page) {
    state = page;
    const m = page.member;
    $("self-hello").textContent = t("self.hello", { name: m.full_name });
    $("self-sms").checked = m.consent.sms;
    $("self-email").checked = m.consent.email;
    $("self-email").disabled = !m.has_email && !m.consent.email;
    $("self-no-email").hidden = m.has_email;
    $("pause-state").textContent = !m.paused ? t("self.pause.active")
      : m.paused_until ? t("self.pause.paused_until", { date: formatDate(m.paused_until) }) : t("self.pause.paused");
    $("pause-form").hidden = m.paused;
    $("resume").hidden = !m.paused;
    renderOccasions(page.occasions);
  }

  function dateText(o) {
    return o.year ? formatDate(o.date) : new Intl.DateTimeFormat(App.LANG, { day: "numeric", month: "long" })
      .format(new Date(2000, o.month - 1, o.day));
  }

  function renderOccasions(list) {
    const ul = $("occasions");
    ul.replaceChildren();
    if (!list.length) { ul.append(el("li", { text: t("self.occasions.none") })); return; }
    for (const o of list) {
      const recurrence = t(o.recurrence === "once" ? "self.occasions.once" : "self.occasions.yearly");
      const next = o.next_occurrence ? ` · ${t("self.occasions.next")}: ${formatDate(o.next_occurrence)}` : "";
      ul.append(el("li", { "data-id": o.id },
        el("p", {}, el("strong", { text: `${kinds[o.kind] || o.kind} · ${o.for_whom_addressed || o.for_whom_label}` }),
          ` · ${dateText(o)} · ${recurrence}${next}`),
        el("p", {}, el("q", { text: o.purpose })),
        el("button", { type: "button", class: "small", onclick: (event) => retire(o, event.target) }, t("self.occasions.retire"))));
    }
  }

  async function retire(occasion, button) {
    const box = $("occasions-result");
    await busy(button, async () => {
      try {
        await api.del(`${base}/occasions/${occasion.id}`);
        render(await api.get(base));
        show(box, "ok", t("self.occasions.retired"));
      } catch (err) { showError(box, err); }
    });
  }

  $("consent-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("consent-result");
    await busy(event.submitter, async () => {
      try {
        for (const channel of ["sms", "email"]) {
          const wanted = $("self-" + channel).checked;
          if (wanted !== state.member.consent[channel]) {
            render((await api.post(`${base}/consent`, { channel, granted: wanted })).data);
          }
        }
        show(box, "ok", t("self.consent.saved"));
      } catch (err) { showError(box, err); }
    });
  });

  $("pause-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("pause-result");
    const until = $("pause-until").value;
    await busy(event.submitter, async () => {
      try { render((await api.post(`${base}/pause`, until ? { until } : {})).data); box.replaceChildren(); } catch (err) { showError(box, err); }
    });
  });

  $("resume").addEventListener("click", async (event) => {
    const box = $("pause-result");
    await busy(event.target, async () => {
      try { render((await api.post(`${base}/resume`, {})).data); box.replaceChildren(); } catch (err) { showError(box, err); }
    });
  });

  $("add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const box = $("add-result");
    const date = form.date.value; // YYYY-MM-DD
    const payload = {
      kind: form.kind.value, for_whom: form.for_whom.value, purpose: form.purpose.value.trim(),
      date: form.no_year.checked ? date.slice(5) : date, remind_days_before: Number(form.remind_days_before.value || 3),
    };
    if (form.relation_name.value.trim() && payload.for_whom !== "self") payload.relation_name = form.relation_name.value.trim();
    if (form.recurrence.value) payload.recurrence = form.recurrence.value;
    await busy(event.submitter, async () => {
      try {
        await api.post(`${base}/occasions`, payload);
        render(await api.get(base));
        form.reset();
        show(box, "ok", t("self.add.done"));
      } catch (err) { showError(box, err); }
    });
  });

  api.get(base).then((page) => {
    for (const node of document.querySelectorAll(".needs-role")) node.hidden = false;
    render(page);
  }).catch((err) => showError($("self-error"), err, { 404: t("self.invalid") }));
})();
