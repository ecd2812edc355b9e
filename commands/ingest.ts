/** `benchbook ingest <study.yaml> [--db FILE] [--force]`: parse the study's artifacts into DuckDB. */
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {parseVerbArguments} from "./args.ts";
import type {CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("ingest");

export async function ingestCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {
    usage,
    options: {db: {type: "string"}, force: {type: "boolean"}},
    positionals: {min: 1, max: 1, what: "study file"}
  });
  const result = await ingestStudy(positionals[0]!, {dbFile: values.db, force: values.force});
  const errors = result.findings.filter((f) => f.severity === "error").length;
  const warnings = result.findings.filter((f) => f.severity === "warning").length;
  io.out(`${result.ingested ? "ingested" : "up to date"}: ${result.dbFile} (${result.study.runs.length} runs, ${errors} errors, ${warnings} warnings in findings)\n`);
  for (const f of result.findings.filter((f) => f.severity !== "info")) {
    io.out(`  ${f.severity.toUpperCase()} ${f.run_id ?? "study"} ${f.code}: ${f.message}${f.file ? ` [${f.file}${f.line ? `:${f.line}` : ""}]` : ""}\n`);
  }
  return 0;
}
