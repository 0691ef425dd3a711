// The pages' JavaScript (templates/pages/static): classic browser scripts sharing two globals, App (app.js)
// and Money (money.js). `make lint` runs this through the pinned eslint in node_modules (package-lock.json).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/**", ".venv/**", "var/**"] },
  js.configs.recommended,
  {
    files: ["templates/pages/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: { ...globals.browser, App: "readonly", Money: "readonly", SwaggerUIBundle: "readonly", Redoc: "readonly" },
    },
    rules: {
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "smart"],
      "no-implicit-globals": "error",
      "no-redeclare": ["error", { builtinGlobals: false }],
    },
  },
  {
    files: ["templates/pages/static/app.js", "templates/pages/static/money.js"],
    rules: { "no-unused-vars": ["error", { varsIgnorePattern: "^(App|Money)$", caughtErrors: "none" }],
      "no-implicit-globals": "off" },
  },
];
