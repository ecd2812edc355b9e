/**
 * RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted; null/undefined is an empty field.
 * Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR; an ID
 * like `=HYPERLINK(...)` comes straight from a prediction file) get a leading single quote, as the
 * OWASP CSV-injection guidance says. Numbers are written as numbers: -0.5 is a value, not a formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function toCsv<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  const field = (v: unknown) => {
    if (v == null) return "";
    let s = String(v);
    if (typeof v === "string" && FORMULA_START.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(","));
  return `${lines.join("\n")}\n`;
}
