/* The one money field: an amount read as the page's language writes it, by the rules of loyalty/core/money.py
 * (both are checked against one table of cases, tests/money_cases.json). Loaded before app.js. */
"use strict";

const Money = (() => {
  const DECIMAL_MARK = { tr: ",", en: "." };
  const NOISE = /[\s\u00a0\u202f]|₺|TL|TRY/gi;

  /** "12" + "5" -> "12.50"; leading zeros dropped. */
  function canonical(digits, fraction) {
    const whole = digits.replace(/^0+(?=\d)/, "");
    return `${whole}.${(fraction || "").padEnd(2, "0")}`;
  }

  /** "45,50", "1.250,00", "₺45,50", "45 TL", "1,250.50" -> { value: "45.50" }; an ambiguous lone mark
   * ("4,500" in Turkish: 4,50 or 4.500?) -> { choices: [...] }; null when the text is not an amount.
   * One mark followed by 1-2 digits is the decimal mark; with both marks the last one is; groups of exactly
   * three digits are thousands. */
  function read(text, lang) {
    const s = String(text == null ? "" : text).replace(NOISE, "");
    if (!/^\d[\d.,]*$/.test(s)) return null;
    const decimalMark = DECIMAL_MARK[lang] || DECIMAL_MARK.tr;
    let whole = s;
    let fraction = "";
    const last = Math.max(s.lastIndexOf(","), s.lastIndexOf("."));
    if (last >= 0) {
      const mark = s[last];
      const after = s.slice(last + 1);
      if (/^\d{1,2}$/.test(after) && s.split(mark).length === 2) {
        whole = s.slice(0, last);
        fraction = after;
      } else if (after.length !== 3) {
        return null;
      }
    }
    if (/[.,]/.test(whole)) {
      const groups = whole.split(/[.,]/);
      if (new Set(whole.replace(/\d/g, "")).size > 1 || groups[0].length < 1 || groups[0].length > 3) return null;
      if (groups.slice(1).some((g) => g.length !== 3)) return null;
    }
    const value = canonical(whole.replace(/[.,]/g, ""), fraction);
    if (!fraction && (s.match(/[.,]/g) || []).length === 1 && s[last] === decimalMark) {
      const after = s.slice(last + 1);
      const choices = after.endsWith("0") ? [canonical(s.slice(0, last), after.slice(0, 2))] : [];
      return { choices: [...choices, value] };
    }
    return { value };
  }

  return { read };
})();
