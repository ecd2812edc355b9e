/** `benchbook check <study.yaml>`: the CI gate. Exit 0 when every criterion passes, 1 otherwise. */
import {reportForStudy} from "../engine/report/from-study.ts";
import {parseVerbArguments} from "./args.ts";
import type {CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("check");

export async function checkCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {usage, options: {db: {type: "string"}}, positionals: {min: 1, max: 1, what: "study file"}});
  const report = await reportForStudy(positionals[0]!, {db: values.db});
  const width = Math.max(...report.criteria.map((c) => c.id.length), 4);
  for (const c of report.criteria) {
    const status = c.status.toUpperCase().replace("_", " ");
    io.out(`${status.padEnd(12)} ${c.id.padEnd(width)}  ${c.display_value ?? "—"} (target ${c.display_target})${c.reason ? `  ${c.reason}` : ""}\n`);
  }
  io.out(`OVERALL: ${report.summary.met} of ${report.summary.total} CRITERIA MET\n`);
  return report.criteria.length > 0 && report.criteria.every((c) => c.status === "pass") ? 0 : 1;
}
