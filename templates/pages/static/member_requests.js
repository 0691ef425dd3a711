/* The member's KVKK requests from their page: a copy of their data or erasing it; an admin handles it. */
"use strict";

(() => {
  const { t, api, show, showError, busy } = App;
  const token = encodeURIComponent(document.getElementById("self").dataset.token);
  const box = document.getElementById("data-requests-result");
  for (const button of document.querySelectorAll("[data-request]")) {
    button.addEventListener("click", () => busy(button, async () => {
      try {
        const { data } = await api.post(`/self/${token}/requests`, { kind: button.dataset.request });
        show(box, "ok", t("self.requests.sent", { id: data.id }));
      } catch (err) { showError(box, err); }
    }));
  }
})();
