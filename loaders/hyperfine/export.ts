/**
 * hyperfine's `--export-json` file: per benchmarked command, every timed run (`times`, seconds) and its
 * exit code (`exit_codes`, hyperfine ≥ 1.12). The mean, median and spread hyperfine also writes are not
 * read: benchbook computes its own from the timings, in SQL.
 */
import {z} from "zod";
import {InputError} from "../../engine/errors.ts";

const ResultSchema = z.object({
  command: z.string().min(1),
  times: z.array(z.number().finite().nonnegative()).min(1, "at least one timed run"),
  exit_codes: z.array(z.number().int().nullable()).optional(),
  parameters: z.record(z.string(), z.string()).optional()
});

const ExportSchema = z.object({results: z.array(ResultSchema).min(1, "at least one benchmarked command")});

export interface HyperfineResult {
  command: string;
  /** 0-based place in the export's results */
  index: number;
  times: number[];
  /** one per time; null when hyperfine could not tell (killed by a signal) or the export predates exit codes */
  exitCodes: Array<number | null>;
  parameters: Record<string, string>;
}

export function parseHyperfineExport(text: string, file: string): HyperfineResult[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec(String(error))?.[1];
    const line = at === undefined ? undefined : text.slice(0, Number(at)).split("\n").length;
    throw new InputError(`not JSON: ${String((error as Error).message).split("\n")[0]}`, {file, line, expected: "the file hyperfine --export-json wrote"});
  }
  const parsed = ExportSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    throw new InputError(`field '${where || "(top level)"}': ${issue.message}`, {file, line: lineOfPath(text, issue.path), expected: "hyperfine's export: {results: [{command, times: [seconds...], exit_codes: [...]}]}"});
  }
  return parsed.data.results.map((r, index) => {
    if (r.exit_codes && r.exit_codes.length !== r.times.length) {
      throw new InputError(`results[${index}] ('${r.command}'): ${r.times.length} times but ${r.exit_codes.length} exit codes`, {file, line: lineOfPath(text, ["results", index, "exit_codes"]), expected: "one exit code per timed run"});
    }
    return {command: r.command, index, times: r.times, exitCodes: r.exit_codes ?? r.times.map(() => null), parameters: r.parameters ?? {}};
  });
}

/** Best effort: the line of the n-th "command" key for a results[n] path (hyperfine pretty-prints). */
function lineOfPath(text: string, p: PropertyKey[]): number | undefined {
  const n = p[0] === "results" && typeof p[1] === "number" ? p[1] : null;
  if (n === null) return undefined;
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = text.indexOf('"command"', at + 1);
    if (at < 0) return undefined;
  }
  const key = typeof p[2] === "string" ? text.indexOf(`"${p[2]}"`, at) : at;
  return text.slice(0, key < 0 ? at : key).split("\n").length;
}
