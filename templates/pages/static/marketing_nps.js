/* Marketing's NPS screen: overall, the trend chart, groups, and the detractors' comments with their
   follow-up (its own script: it shares nothing with the campaign screens but App). */
"use strict";

(() => {
  const { t, LANG, api, el, show, showError, busy, formatTime, chartImage, table } = App;
  const $ = (id) => document.getElementById(id);

  const npsRange = () => `from=${encodeURIComponent($("nps-from").value)}&to=${encodeURIComponent($("nps-to").value)}`;
  const scoreFormat = new Intl.NumberFormat(LANG, { maximumFractionDigits: 1 }); // "-33,3" in Turkish
  const score = (value) => (value == null ? "—" : scoreFormat.format(Number(value)));

  async function loadNps(button) {
    const box = $("nps-result");
    const bodyBox = $("nps-body");
    await busy(button, async () => {
      let report;
      try { report = await api.get(`/reports/nps?${npsRange()}&group_by=${$("nps-group").value}&lang=${LANG}`); } catch (err) { showError(box, err); bodyBox.replaceChildren(); return; }
      const o = report.overall;
      if (!o.responses) { show(box, "info", t("mk.nps.none")); bodyBox.replaceChildren(); return; }
      show(box, "ok", t("mk.nps.overall", { score: score(o.score), n: o.responses }));
      const chart = await chartImage(`/reports/nps/chart.svg?${npsRange()}&lang=${LANG}`, t("mk.nps.chart"));
      bodyBox.replaceChildren(chart, table(t("mk.nps"),
        [t("mk.nps.group"), t("mk.nps.responses"), t("mk.nps.promoters"), t("mk.nps.passives"), t("mk.nps.detractors"), t("mk.nps.score")],
        report.groups.map((g) => [g.label, g.responses, g.promoters, g.passives, g.detractors, score(g.score)])));
    });
    await loadDetractors();
  }
  $("nps-form").addEventListener("submit", (event) => { event.preventDefault(); loadNps(event.submitter); });

  const who = (actor) => String(actor || "").replace(/^user:/, "");

  function detractorItem(d) {
    const id = `fu-${d.id}`;
    const box = el("div", { class: "result", role: "status", "aria-live": "polite" });
    const state = el("select", { id: `${id}-state` }, ["open", "contacted", "resolved"].map((s) => el("option", { value: s, text: t("mk.fu." + s), selected: s === d.followup })));
    const note = el("input", { id: `${id}-note`, maxlength: "1000", value: d.followup_note || "" });
    const f = el("form", { class: "row" },
      el("label", { for: state.id, text: t("mk.det.state") }), state,
      el("label", { for: note.id, text: t("mk.det.note") }), note,
      el("button", { type: "submit", class: "small" }, t("mk.det.save")));
    f.addEventListener("submit", async (event) => {
      event.preventDefault();
      await busy(event.submitter, async () => {
        try {
          const { data } = await api.request("PATCH", `/feedback/${d.id}/followup`, { json: { followup: state.value, note: note.value } });
          show(box, "ok", `${t("mk.det.saved")} ${t("mk.fu." + data.followup)} · ${t("mk.det.by", { who: who(data.followup_by), when: formatTime(data.followup_at) })}`);
        } catch (err) { showError(box, err); }
      });
    });
    return el("li", { "data-feedback": d.id },
      el("p", {}, el("strong", { text: d.member_name }), ` · ${t("mk.det.score", { score: d.score })} · `,
        el("time", { datetime: d.created_at, text: formatTime(d.created_at) })),
      el("blockquote", { text: d.comment || t("mk.det.no_comment") }),
      d.followup_by ? el("p", { class: "hint", text: `${t("mk.fu." + d.followup)} · ${t("mk.det.by", { who: who(d.followup_by), when: formatTime(d.followup_at) })}` + (d.followup_note ? ` — ${d.followup_note}` : "") }) : null,
      f, box);
  }

  async function loadDetractors() {
    const box = $("det-result");
    let list;
    try { list = await api.get(`/reports/detractors?followup=${$("det-state").value}&${npsRange()}`); } catch (err) { showError(box, err); return; }
    box.replaceChildren();
    box.className = "result";
    $("det-list").replaceChildren(...(list.length ? list.map(detractorItem) : [el("li", { text: t("mk.det.none") })]));
  }
  $("det-state").addEventListener("change", loadDetractors);

  App.gate().then((me) => { if (me) loadNps(null); });
})();
