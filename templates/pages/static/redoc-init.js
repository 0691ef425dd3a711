/* ReDoc at /redoc, from packaged assets (no CDN); a file, not inline: the CSP allows no inline script.
 * Its theme darkens the colours axe-core finds too faint, and each unnamed <select> (a schema's variants)
 * gets a name as ReDoc renders it (axe: select-name). */
"use strict";
(() => {
  const theme = {
    colors: {
      responses: {
        error: { tabTextColor: "#ff8a80" },
        success: { tabTextColor: "#7fd98a" },
        redirect: { tabTextColor: "#ffd180" },
        info: { tabTextColor: "#90caf9" },
      },
    },
    typography: { code: { color: "#b71c1c" } },
  };
  const name = (root) => {
    for (const select of root.querySelectorAll("select:not([aria-label])")) select.setAttribute("aria-label", "Schema variant");
  };
  const container = document.getElementById("redoc-container");
  new MutationObserver(() => name(container)).observe(container, { childList: true, subtree: true });
  Redoc.init("/openapi.json", { theme }, container, () => name(container));
})();
