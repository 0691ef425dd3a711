/* Swagger UI at /docs, from packaged assets (no CDN); a file, not inline: the CSP allows no inline script. */
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: false, // a deep link inside each operation's toggle button is nested-interactive (axe)
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
