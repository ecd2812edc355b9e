/**
 * The one formatter of every output: the text and Markdown reports, the criteria's display values
 * (JSON), the site's headline cards (site/pages.ts), the site's pages in the browser, and the release
 * archive's index, trend and single-file pages. A figure reads the same everywhere: 3200.6 s (53:20),
 * 1.58x, 79.0 %, 99.87 %, 794,577. Missing data reads NA everywhere, never 0.
 *
 * Browser-safe on purpose: no imports, no Node API. The site build writes this file, with only its
 * types stripped, into its page root as components/format.js (site/browser-format.ts), so the pages
 * in src/ import the very same functions; there is no second copy to drift.
 */

/**
 * The one glyph for a figure that is missing (null): "not available". (Where a release has no such
 * figure at all, e.g. no baseline in its study, the archive's empty cell stays "—": nothing is missing.)
 */
export const NA = "n/a";

type Maybe = number | null | undefined;

function missing(x: unknown): x is null | undefined {
  return x === null || x === undefined;
}

/** 3200.6 -> '53:20'; 5400 -> '1:30:00' (truncated like the pipeline's own H:M:S). */
export function clock(seconds: Maybe): string {
  if (missing(seconds)) return NA;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}

/** '3200.6 s (53:20)' */
export function duration(seconds: Maybe): string {
  if (missing(seconds)) return NA;
  return `${seconds.toFixed(1)} s (${clock(seconds)})`;
}

/** '3200.6 s' */
export function secs(seconds: Maybe, digits = 1): string {
  return missing(seconds) ? NA : `${seconds.toFixed(digits)} s`;
}

/** a change in seconds: '+12.5 s', '-3.0 s' */
export function signed(seconds: Maybe, digits = 1): string {
  return missing(seconds) ? NA : `${seconds > 0 ? "+" : ""}${seconds.toFixed(digits)} s`;
}

/** '1.58x' */
export function times(x: Maybe, digits = 2): string {
  return missing(x) ? NA : `${x.toFixed(digits)}x`;
}

/** fraction -> '79.0 %' */
export function pct(fraction: Maybe, digits = 1): string {
  return missing(fraction) ? NA : `${(fraction * 100).toFixed(digits)} %`;
}

/** a difference of two fractions, in percentage points: '+0.42' */
export function points(x: Maybe): string {
  return missing(x) ? NA : `${x > 0 ? "+" : ""}${(x * 100).toFixed(2)}`;
}

/** 794577 -> '794,577' */
export function count(n: Maybe): string {
  return missing(n) ? NA : Number(n).toLocaleString("en-US");
}

/** a rate with thousands separators: 1234.56 -> '1,234.6' */
export function rate(x: Maybe, digits = 1): string {
  return missing(x) ? NA : x.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

/** small differences: '1.357e-5' */
export function sci(x: Maybe, digits = 3): string {
  if (missing(x)) return NA;
  if (x === 0) return "0";
  return x.toExponential(digits).replace("e+", "e");
}

/** fixed decimals: '0.123' */
export function num(x: Maybe, digits = 1): string {
  return missing(x) ? NA : x.toFixed(digits);
}

/** significant digits: 12.3456 -> '12.35' */
export function significant(x: Maybe, digits = 4): string {
  return missing(x) ? NA : Number(x).toPrecision(digits);
}

/** without float noise or padding zeros: 0.30000000000000004 -> '0.3', 1.5 -> '1.5' (chart ticks, bare numbers) */
export function short(x: Maybe): string {
  return missing(x) ? NA : String(Number(x.toPrecision(6)));
}

/** '245.3 W' */
export function watts(x: Maybe, digits = 1): string {
  return missing(x) ? NA : `${x.toFixed(digits)} W`;
}

/** whole MiB: 40536.4 -> '40,536 MiB' */
export function mib(x: Maybe): string {
  return missing(x) ? NA : `${count(Math.round(x))} MiB`;
}

/** 1536 -> '1.5 KiB' */
export function bytes(n: Maybe): string {
  if (missing(n)) return NA;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** How a metric's values are shown. */
export type Unit = "seconds" | "times" | "fraction" | "fraction2" | "rate" | "number";

export function formatUnit(unit: Unit, x: Maybe): string {
  if (missing(x)) return NA;
  switch (unit) {
    case "seconds":
      return duration(x);
    case "times":
      return times(x);
    case "fraction":
      return pct(x, 1);
    case "fraction2":
      return pct(x, 2);
    case "rate":
      return `${x.toFixed(1)}/s`;
    case "number":
      return String(x);
  }
}

/** Target display: '< 3600 s', '>= 1.90x', '>= 99.00 %' (seconds targets without the clock). */
export function formatTarget(unit: Unit, comparison: string, target: number): string {
  const shown = unit === "seconds" ? `${target} s` : formatUnit(unit, target);
  return `${comparison} ${shown}`;
}

/**
 * A per-run value shown in the unit and precision of its criterion's target ('>= 99.00 %' → '93.09 %',
 * '>= 1.90x' → '1.58x', '< 3600 s' → '3200.6 s (53:20)'), so it compares with the target at a glance.
 */
export function likeTarget(value: Maybe, displayTarget: string | null | undefined): string {
  if (missing(value)) return NA;
  const t = String(displayTarget ?? "");
  const digits = (/\.(\d+)/.exec(t)?.[1] ?? "").length;
  if (t.endsWith("%")) return pct(value, digits);
  if (t.endsWith("x")) return times(value, digits || 2);
  if (t.endsWith(" s")) return duration(value);
  return short(value);
}

/** A correctness level as a reader says it. */
export const LEVEL_NAMES: Record<string, string> = {per_frame: "per frame", consensus: "consensus"};

/** A criterion's status as a word: 'PASS', 'NO DATA'. */
export const STATUS_WORD: Record<string, string> = {pass: "PASS", fail: "FAIL", no_data: "NO DATA", invalid: "INVALID", inconclusive: "INCONCLUSIVE"};

export function statusWord(status: string | null | undefined): string {
  return STATUS_WORD[String(status)] ?? String(status).toUpperCase().replace("_", " ");
}
