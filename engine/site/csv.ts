/** RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted; null/undefined is an empty field. */
export function toCsv<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  const field = (v: unknown) => {
    if (v == null) return "";
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(","));
  return `${lines.join("\n")}\n`;
}
