/** `benchbook report <study.yaml>`: ingest when needed, then print the validation report. */
import {writeOutputFile} from "../engine/errors.ts";
import {reportForStudy} from "../engine/report/from-study.ts";
import {parseVerbArguments, usageError} from "./args.ts";
import type {CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("report");

const FORMATS = ["text", "json", "markdown"] as const;

export async function reportCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {
    usage,
    options: {format: {type: "string", default: "text"}, output: {type: "string"}, db: {type: "string"}},
    positionals: {min: 1, max: 1, what: "study file"}
  });
  const format = values.format;
  if (!(FORMATS as readonly string[]).includes(format)) throw usageError(`--format must be text, json or markdown, not '${format}'`, usage);
  const report = await reportForStudy(positionals[0]!, {db: values.db});
  let out: string;
  if (format === "json") out = `${JSON.stringify(report, null, 2)}\n`;
  else if (format === "markdown") out = (await import("../engine/render/markdown.ts")).formatMarkdown(report);
  else out = (await import("../engine/render/text.ts")).formatText(report);
  if (values.output) await writeOutputFile(values.output, out);
  else io.out(out);
  return 0;
}
