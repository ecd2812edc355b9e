/**
 * Line grammars of the pipeline telemetry (`virnucpro/pipeline/pipeline_telemetry.py`, FORMATS.md §2):
 * stage banners, `completed in` lines with their bracket extras, and the PIPELINE SUMMARY lines.
 * Each function takes one record message and returns null when the message is not that line.
 *
 * Messages can be arbitrarily long (a runaway line with no newline), so every pattern is applied to a
 * bounded message only: telemetry lines are short, a long message is never one of them.
 */

const MAX_TELEMETRY_LINE = 2000;

export type ExtraValue = number | string | boolean;

/** `=== Stage {n}: {name} ===` — n is the start order in this run, not the checkpoint enum value. */
export function parseStageBanner(message: string): {order: number; name: string} | null {
  if (message.length > MAX_TELEMETRY_LINE || !message.startsWith("=== Stage ")) return null;
  const m = /^=== Stage (\d{1,3}): (.+) ===\s*$/.exec(message);
  return m ? {order: Number(m[1]), name: m[2]!} : null;
}

/** `  {name} completed in {elapsed:.1f}s{ [extras]}` */
export function parseStageCompleted(
  message: string
): {name: string; seconds: number; extras: Record<string, ExtraValue>; skipped: boolean} | null {
  if (message.length > MAX_TELEMETRY_LINE || !message.startsWith("  ")) return null;
  const m = /^ {2}(\S.*?) completed in (\d+(?:\.\d+)?)s(?: \[(.*)\])?\s*$/.exec(message);
  if (!m) return null;
  const {extras, skipped} = parseExtras(m[3] ?? "");
  return {name: m[1]!, seconds: Number(m[2]), extras, skipped};
}

const INT_WITH_SEPARATORS = /^-?\d{1,3}(?:,\d{3})+$/;
const INT = /^-?\d+$/;
const FLOAT = /^-?\d+\.\d+$/;

/**
 * Bracket extras (§2.2): parts joined with ", " (thousands separators never have a space after
 * them), each `key: value`; ints may carry thousands separators, floats have one decimal, a skipped
 * stage prints `skipped ({reason})` and also a separate `reason: {reason}` part.
 */
export function parseExtras(bracket: string): {extras: Record<string, ExtraValue>; skipped: boolean} {
  const extras: Record<string, ExtraValue> = {};
  let skipped = false;
  if (bracket.trim() === "") return {extras, skipped};
  for (const part of bracket.split(", ")) {
    const skip = /^skipped \((.*)\)$/.exec(part);
    if (skip) {
      skipped = true;
      extras.skipped = true;
      if (!("reason" in extras)) extras.reason = skip[1]!;
      continue;
    }
    const colon = part.indexOf(": ");
    if (colon < 0) {
      // a bare word carries no value: record its presence rather than invent one
      extras[part] = true;
      continue;
    }
    extras[part.slice(0, colon)] = parseExtraValue(part.slice(colon + 2));
  }
  return {extras, skipped};
}

export function parseExtraValue(raw: string): ExtraValue {
  const value = raw.trim();
  if (INT_WITH_SEPARATORS.test(value)) return Number(value.replaceAll(",", ""));
  if (INT.test(value) || FLOAT.test(value)) return Number(value);
  return value;
}

/** `Total wall time: {HH:MM:SS} ({s:.1f}s)` — hours are unbounded. */
export function parseTotalWallTime(message: string): {hms: string; seconds: number} | null {
  if (message.length > MAX_TELEMETRY_LINE || !message.startsWith("Total wall time: ")) return null;
  const m = /^Total wall time: (\d+:\d\d:\d\d) \((\d+(?:\.\d+)?)s\)\s*$/.exec(message);
  return m ? {hms: m[1]!, seconds: Number(m[2])} : null;
}

/**
 * `  {n}. {name} {dots}  {elapsed:6.1f}s ({pct:5.1f}%)` or `  {n}. {name} {dots}  skipped`.
 * Parsed from both ends instead of one regex so a name with odd characters cannot make it backtrack.
 */
export function parseSummaryStage(
  message: string
): {order: number; name: string; seconds: number | null; pct: number | null; skipped: boolean} | null {
  if (message.length > MAX_TELEMETRY_LINE) return null;
  const head = /^ {2}(\d{1,3})\. /.exec(message);
  if (!head) return null;
  let rest = message.slice(head[0].length).trimEnd();
  let seconds: number | null = null;
  let pct: number | null = null;
  let skipped = false;
  if (rest.endsWith(" skipped")) {
    skipped = true;
    rest = rest.slice(0, -" skipped".length);
  } else {
    const tail = / (\d+(?:\.\d+)?)s \( *(\d+(?:\.\d+)?)%\)$/.exec(rest);
    if (!tail) return null;
    seconds = Number(tail[1]);
    pct = Number(tail[2]);
    rest = rest.slice(0, tail.index);
  }
  rest = rest.trimEnd();
  // strip the dot leader: ' ....'
  let cut = rest.length;
  while (cut > 0 && rest[cut - 1] === ".") cut--;
  if (cut === rest.length || cut === 0 || rest[cut - 1] !== " ") return null;
  const name = rest.slice(0, cut - 1).trim();
  if (name === "") return null;
  return {order: Number(head[1]), name, seconds, pct, skipped};
}

/** `Bottlenecks: {name} ({pct:.0f}%), …` */
export function parseBottlenecks(message: string): Array<{name: string; pct: number}> | null {
  if (message.length > MAX_TELEMETRY_LINE || !message.startsWith("Bottlenecks: ")) return null;
  const parts = message.slice("Bottlenecks: ".length).trimEnd().split(", ");
  const out: Array<{name: string; pct: number}> = [];
  for (const part of parts) {
    const m = /^(.+) \((\d+(?:\.\d+)?)%\)$/.exec(part);
    if (!m) return null;
    out.push({name: m[1]!, pct: Number(m[2])});
  }
  return out;
}

/** The `"=" * 80` rule of the summary block (any long run of '=' is accepted). */
export function isRule(message: string): boolean {
  const trimmed = message.trim();
  return trimmed.length >= 20 && trimmed.length <= 400 && /^=+$/.test(trimmed);
}
