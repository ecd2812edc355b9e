/** Every verb's synopsis and summary: the help text and each verb's usage errors read this one table. */
export const VERB_USAGE = {
  ingest: {usage: "benchbook ingest <study.yaml> [--db FILE] [--force]", summary: "Parse the study's artifacts into DuckDB (<study folder>/.benchbook/<release>.duckdb)."},
  report: {usage: "benchbook report <study.yaml> [--format text|json|markdown] [--output FILE] [--db FILE]", summary: "Ingest when needed, then print the validation report."},
  check: {usage: "benchbook check <study.yaml> [--db FILE]", summary: "CI gate: print the criteria; exit 0 if all pass, 1 if any does not, 2 on unusable input."},
  build: {
    usage: "benchbook build <study.yaml> [more study.yaml ...] [--archive DIR] [--force]",
    summary:
      "Build each release's report site into <archive>/releases/<release>/ (default archive: dist/) and rewrite the archive index, versions.json, latest/ and trend.html. An archived release whose inputs changed is refused unless --force (the old build is kept as releases/<release>.replaced-<time>)."
  },
  dev: {usage: "benchbook dev <study.yaml> [--db FILE]", summary: "Live preview of the report site."},
  run: {
    usage: "benchbook run <study.yaml> [--run ID ...] [--repeat N] [--timeout SECONDS] [--executor local|slurm] [--no-wait]",
    summary: "Execute the runs' commands (logs tee'd, GPUs sampled), then ingest. --executor slurm: one batch job per execution; --no-wait submits and returns."
  },
  collect: {
    usage: "benchbook collect <study.yaml> [--wait]",
    summary: "Record the SLURM jobs of a --no-wait run that have ended; ingest once all have (exit 3: some have not)."
  },
  approve: {usage: "benchbook approve <release> --by NAME [--note TEXT] [--archive DIR]", summary: "Record an approval of an archived release."},
  reject: {usage: "benchbook reject <release> --by NAME --note TEXT [--archive DIR]", summary: "Record a rejection of an archived release, with the reason."},
  verify: {
    usage: "benchbook verify [release] [--archive DIR]",
    summary: "Recompute every checksum of the archived releases; exit 1 naming any file changed since its build."
  },
  serve: {usage: "benchbook serve [DIR] [--port N]", summary: "Serve the archive (default dist/) on 127.0.0.1."},
  export: {usage: "benchbook export <release> --single-file [--output FILE] [--archive DIR]", summary: "Write one self-contained HTML file of the release overview."}
} as const satisfies Record<string, {usage: string; summary: string}>;

export type VerbName = keyof typeof VERB_USAGE;

export function usageOf(verb: VerbName): string {
  return VERB_USAGE[verb].usage;
}

/** The help text: synopses with their summaries wrapped at 100 columns. */
export function helpText(version: string): string {
  const lines = [`benchbook ${version} — validation reports for GPU pipeline benchmarks`, "", "Usage:"];
  for (const {usage, summary} of Object.values(VERB_USAGE)) {
    lines.push(`  ${usage}`);
    let line = "     ";
    for (const word of summary.split(" ")) {
      if (line.length + word.length + 1 > 100) {
        lines.push(line);
        line = "     ";
      }
      line += ` ${word}`;
    }
    lines.push(line);
  }
  return `${lines.join("\n")}\n`;
}
