// Display formatting for the pages. Figures arrive computed (SQL); this only turns them into text.
// Missing data (null) always shows as "no data", never as 0.

export const NO_DATA = "no data";

export function seconds(s, digits = 1) {
  return s == null ? NO_DATA : `${s.toFixed(digits)} s`;
}

export function ratio(x, digits = 2) {
  return x == null ? NO_DATA : `${x.toFixed(digits)}x`;
}

export function percent(x, digits = 2) {
  return x == null ? NO_DATA : `${(x * 100).toFixed(digits)} %`;
}

export function count(n) {
  return n == null ? NO_DATA : Number(n).toLocaleString("en-US");
}

export function number(x, digits = 4) {
  return x == null ? NO_DATA : Number(x).toPrecision(digits);
}

export function bytes(n) {
  if (n == null) return NO_DATA;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export const STATUS_WORDS = {pass: "PASS", fail: "FAIL", no_data: "NO DATA", invalid: "INVALID", inconclusive: "INCONCLUSIVE"};
export const STATUS_COLORS = {pass: "#1a7f37", fail: "#cf222e", no_data: "#6e7781", invalid: "#8250df", inconclusive: "#bf8700"};

export function statusWord(status) {
  return STATUS_WORDS[status] ?? String(status).toUpperCase();
}

export const LEVEL_NAMES = {per_frame: "per frame", consensus: "consensus"};

/** 3200.6 → '53:20', 5400 → '1:30:00': the clock the report and the criteria use (truncated seconds). */
export function clock(s) {
  if (s == null) return NO_DATA;
  const t = Math.floor(s);
  const pad = (n) => String(n).padStart(2, "0");
  const h = Math.floor(t / 3600);
  return h > 0 ? `${h}:${pad(Math.floor((t % 3600) / 60))}:${pad(t % 60)}` : `${pad(Math.floor(t / 60))}:${pad(t % 60)}`;
}

/** '3200.6 s (53:20)', as the criteria show a duration. */
export function duration(s) {
  return s == null ? NO_DATA : `${s.toFixed(1)} s (${clock(s)})`;
}

/**
 * A per-run value shown in the unit and precision of its criterion's target ('>= 99.00 %' → '93.09 %',
 * '>= 1.90x' → '1.58x', '< 3600 s' → '3200.6 s (53:20)').
 */
export function likeTarget(value, displayTarget) {
  const t = String(displayTarget ?? "");
  const digits = (/\.(\d+)/.exec(t)?.[1] ?? "").length;
  if (t.endsWith("%")) return percent(value, digits);
  if (t.endsWith("x")) return ratio(value, digits || 2);
  if (t.endsWith(" s")) return duration(value);
  return number(value);
}
