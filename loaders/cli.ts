/**
 * The `benchbook` command line. Exit codes: 0 success, 1 a criterion is not met (check) or a command
 * failed, 2 unusable input (the message names the file and line).
 */
import {parseArgs} from "node:util";
import {writeFile} from "node:fs/promises";
import {isInputError} from "./errors.ts";
import {BENCHBOOK_VERSION} from "./version.ts";

const USAGE = `benchbook ${BENCHBOOK_VERSION} — validation reports for GPU pipeline benchmarks

Usage:
  benchbook ingest <study.yaml> [--db FILE] [--force]
      Parse the study's artifacts into DuckDB (<study folder>/.benchbook/<release>.duckdb).
  benchbook report <study.yaml> [--format text|json|markdown] [--output FILE] [--db FILE]
      Ingest when needed, then print the validation report.
  benchbook check <study.yaml> [--db FILE]
      CI gate: print the criteria; exit 0 if all pass, 1 if any does not, 2 on unusable input.
  benchbook build <study.yaml> [more study.yaml ...] [--archive DIR] [--force]
      Build each release's report site into <archive>/releases/<release>/ (default archive: dist/) and
      rewrite the archive index, versions.json, latest/ and trend.html. An archived release whose inputs
      changed is refused unless --force (the old build is kept as releases/<release>.replaced-<time>).
  benchbook dev <study.yaml>
      Live preview of the report site.
  benchbook run <study.yaml> [--run ID ...] [--repeat N] [--timeout SECONDS] [--executor local|slurm] [--no-wait]
      Execute the runs' commands (logs tee'd, GPUs sampled), then ingest. --executor slurm: one batch job
      per execution; --no-wait submits and returns.
  benchbook collect <study.yaml> [--wait]
      Record the SLURM jobs of a --no-wait run that have ended; ingest once all have (exit 3: some have not).
  benchbook approve <release> --by NAME [--note TEXT] [--archive DIR]
  benchbook reject <release> --by NAME --note TEXT [--archive DIR]
      Record the human sign-off of an archived release.
  benchbook serve [DIR] [--port N]
      Serve the archive (default dist/) on 127.0.0.1.
  benchbook export <release> --single-file [--output FILE] [--archive DIR]
      Write one self-contained HTML file of the release overview.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "ingest":
        return await ingestCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "check":
        return await checkCommand(rest);
      case "dev":
        return await devCommand(rest);
      case "run": {
        const {runCommand} = await import("./runner/run.ts");
        return await runCommand(rest);
      }
      case "collect": {
        const {collectCommand} = await import("./runner/run.ts");
        return await collectCommand(rest);
      }
      case "build":
      case "approve":
      case "reject":
      case "serve":
      case "export": {
        const {archiveCommand} = await import("./archive/commands.ts");
        return await archiveCommand(command, rest);
      }
      case "--version":
      case "version":
        process.stdout.write(`${BENCHBOOK_VERSION}\n`);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`benchbook: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (isInputError(error)) {
      process.stderr.write(`benchbook: ${error.message}\n`);
      return 2;
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      process.stderr.write(`benchbook: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function studyArgument(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw usageError(`benchbook ${command} takes one study file`);
  return positionals[0]!;
}

function usageError(message: string): Error {
  const error = new TypeError(message) as NodeJS.ErrnoException;
  error.code = "ERR_PARSE_ARGS_UNKNOWN_OPTION";
  return error;
}

async function ingestCommand(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {db: {type: "string"}, force: {type: "boolean"}}});
  const {ingestStudy} = await import("./ingest.ts");
  const result = await ingestStudy(studyArgument(positionals, "ingest"), {dbFile: values.db, force: values.force});
  const errors = result.findings.filter((f) => f.severity === "error").length;
  const warnings = result.findings.filter((f) => f.severity === "warning").length;
  process.stdout.write(`${result.ingested ? "ingested" : "up to date"}: ${result.dbFile} (${result.study.runs.length} runs, ${errors} errors, ${warnings} warnings in findings)\n`);
  for (const f of result.findings.filter((f) => f.severity !== "info")) {
    process.stdout.write(`  ${f.severity.toUpperCase()} ${f.run_id ?? "study"} ${f.code}: ${f.message}${f.file ? ` [${f.file}${f.line ? `:${f.line}` : ""}]` : ""}\n`);
  }
  return 0;
}

/** Ingest when needed and build the report from the database. */
export async function reportForStudy(studyFile: string, options: {db?: string} = {}) {
  const {ingestStudy} = await import("./ingest.ts");
  const {openDatabase} = await import("./db/duckdb.ts");
  const {buildReport} = await import("./metrics/report.ts");
  const {dbFile, study} = await ingestStudy(studyFile, {dbFile: options.db});
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await buildReport(db.connection, {criteria: study.criteria});
  } finally {
    db.close();
  }
}

async function reportCommand(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {format: {type: "string", default: "text"}, output: {type: "string"}, db: {type: "string"}}
  });
  const format = values.format!;
  if (!["text", "json", "markdown"].includes(format)) throw usageError(`--format must be text, json or markdown, not '${format}'`);
  const report = await reportForStudy(studyArgument(positionals, "report"), {db: values.db});
  let out: string;
  if (format === "json") out = `${JSON.stringify(report, null, 2)}\n`;
  else if (format === "markdown") out = (await import("./metrics/format-markdown.ts")).formatMarkdown(report);
  else out = (await import("./metrics/format-text.ts")).formatText(report);
  if (values.output) await writeFile(values.output, out);
  else process.stdout.write(out);
  return 0;
}

async function checkCommand(argv: string[]): Promise<number> {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {db: {type: "string"}}});
  const report = await reportForStudy(studyArgument(positionals, "check"), {db: values.db});
  const width = Math.max(...report.criteria.map((c) => c.id.length), 4);
  for (const c of report.criteria) {
    const status = c.status.toUpperCase().replace("_", " ");
    process.stdout.write(`${status.padEnd(12)} ${c.id.padEnd(width)}  ${c.display_value ?? "—"} (target ${c.display_target})${c.reason ? `  ${c.reason}` : ""}\n`);
  }
  process.stdout.write(`OVERALL: ${report.summary.met} of ${report.summary.total} CRITERIA MET\n`);
  return report.criteria.length > 0 && report.criteria.every((c) => c.status === "pass") ? 0 : 1;
}

async function devCommand(argv: string[]): Promise<number> {
  const {positionals} = parseArgs({args: argv, allowPositionals: true, options: {}});
  const {ingestStudy} = await import("./ingest.ts");
  const {dbFile, study} = await ingestStudy(studyArgument(positionals, "dev"));
  const {execa} = await import("execa");
  const {fileURLToPath} = await import("node:url");
  const root = fileURLToPath(new URL("..", import.meta.url));
  await execa("node", [fileURLToPath(new URL("../node_modules/@observablehq/framework/dist/bin/observable.js", import.meta.url)), "preview"], {
    cwd: root,
    stdio: "inherit",
    env: {BENCHBOOK_DB: dbFile, BENCHBOOK_STUDY: study.file, OBSERVABLE_TELEMETRY_DISABLE: "1"}
  });
  return 0;
}
