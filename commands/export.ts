/** `benchbook export <release> --single-file`: one self-contained HTML file of the release overview. */
import path from "node:path";
import {exportRelease} from "../engine/archive/export.ts";
import {checkReleaseName, DEFAULT_ARCHIVE} from "../engine/archive/fs.ts";
import {writeOutputFile} from "../engine/errors.ts";
import {count} from "../engine/render/format.ts";
import {parseVerbArguments, usageError} from "./args.ts";
import {shownPath, type CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("export");

export async function exportCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {
    usage,
    options: {"single-file": {type: "boolean"}, output: {type: "string"}, archive: {type: "string", default: DEFAULT_ARCHIVE}},
    positionals: {min: 1, max: 1, what: "release name"}
  });
  if (!values["single-file"]) throw usageError("export writes one self-contained HTML file: pass --single-file", usage);
  const release = checkReleaseName(positionals[0]!);
  const html = await exportRelease(path.resolve(values.archive), release);
  const output = path.resolve(values.output ?? `${release}-overview.html`);
  await writeOutputFile(output, html);
  io.out(`${release}: overview written to ${shownPath(output)} (${count(Buffer.byteLength(html))} bytes, opens from disk)\n`);
  return 0;
}
