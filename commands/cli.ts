/**
 * The `benchbook` command line. Exit codes: 0 success, 1 a criterion is not met (check) or a command
 * failed, 2 unusable input (the message names the file and line).
 */
import {parseArgs} from "node:util";
import {isInputError, writeOutputFile} from "../engine/errors.ts";
import {BENCHBOOK_VERSION} from "../engine/version.ts";

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
  benchbook dev <study.yaml> [--db FILE]
      Live preview of the report site.
  benchbook run <study.yaml> [--run ID ...] [--repeat N] [--timeout SECONDS]
      Execute the runs' commands (logs tee'd, GPUs sampled), then ingest.
  benchbook approve <release> --by NAME [--note TEXT] [--archive DIR]
  benchbook reject <release> --by NAME --note TEXT [--archive DIR]
      Record the human sign-off of an archived release.
  benchbook verify [release] [--archive DIR]
      Recompute every checksum of the archived releases; exit 1 naming any file changed since its build.
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
        return await (await import("./dev.ts")).devCommand(rest);
      case "run": {
        const {runCommand} = await import("../loaders/runner/run.ts");
        return await runCommand(rest);
      }
      case "build":
      case "approve":
      case "reject":
      case "serve":
      case "export": {
        const {archiveCommand} = await import("./archive.ts");
        return await archiveCommand(command, rest);
      }
      case "verify":
        return await (await import("./verify.ts")).verifyCommand(rest);
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
  const {ingestStudy} = await import("../engine/ingest/ingest.ts");
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
  const {ingestStudy} = await import("../engine/ingest/ingest.ts");
  const {openDatabase} = await import("../engine/db/duckdb.ts");
  const {buildReport} = await import("../engine/report/report.ts");
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
  else if (format === "markdown") out = (await import("../engine/render/markdown.ts")).formatMarkdown(report);
  else out = (await import("../engine/render/text.ts")).formatText(report);
  if (values.output) await writeOutputFile(values.output, out);
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
