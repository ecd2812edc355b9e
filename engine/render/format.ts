/**
 * Number formatting shared by the text and markdown reports and the criteria's display values, so a
 * figure reads the same everywhere: 3200.6 s (53:20), 1.58x, 79.0 %, 99.87 %. Missing is "n/a".
 */

export const NA = "n/a";

/** 3200.6 -> '53:20'; 5400 -> '1:30:00' (truncated like the pipeline's own H:M:S). */
export function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}

/** '3200.6 s (53:20)' */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return NA;
  return `${seconds.toFixed(1)} s (${clock(seconds)})`;
}

/** '3200.6 s' */
export function secs(seconds: number | null | undefined, digits = 1): string {
  return seconds === null || seconds === undefined ? NA : `${seconds.toFixed(digits)} s`;
}

/** '1.58x' */
export function times(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? NA : `${x.toFixed(digits)}x`;
}

/** fraction -> '79.0 %' */
export function pct(fraction: number | null | undefined, digits = 1): string {
  return fraction === null || fraction === undefined ? NA : `${(fraction * 100).toFixed(digits)} %`;
}

/** 794577 -> '794,577' */
export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? NA : n.toLocaleString("en-US");
}

/** small differences: '1.357e-5' */
export function sci(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return NA;
  if (x === 0) return "0";
  return x.toExponential(digits).replace("e+", "e");
}

export function num(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? NA : x.toFixed(digits);
}

/** How a metric's values are shown. */
export type Unit = "seconds" | "times" | "fraction" | "fraction2" | "rate" | "number";

export function formatUnit(unit: Unit, x: number | null | undefined): string {
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
      return x === null || x === undefined ? NA : `${x.toFixed(1)}/s`;
    case "number":
      return x === null || x === undefined ? NA : String(x);
  }
}

/** Target display: '< 3600 s', '>= 1.90x', '>= 99.00 %' (seconds targets without the clock). */
export function formatTarget(unit: Unit, comparison: string, target: number): string {
  const shown = unit === "seconds" ? `${target} s` : formatUnit(unit, target);
  return `${comparison} ${shown}`;
}
