/** `benchbook build <study.yaml> ...`: archive each release's report site and rewrite the archive index. */
import path from "node:path";
import {buildArchive} from "../engine/archive/build.ts";
import {DEFAULT_ARCHIVE} from "../engine/archive/fs.ts";
import {parseVerbArguments} from "./args.ts";
import {shownPath, type CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("build");

export async function buildCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {
    usage,
    options: {archive: {type: "string", default: DEFAULT_ARCHIVE}, force: {type: "boolean"}},
    positionals: {min: 1, what: "study file"}
  });
  const outcomes = await buildArchive(positionals, {archive: values.archive, force: values.force, log: (line) => io.err(`${line}\n`)});
  for (const o of outcomes) {
    if (o.action === "unchanged") io.out(`${o.release} already archived, unchanged (${shownPath(o.dir)})\n`);
    else if (o.action === "replaced") io.out(`${o.release} rebuilt with --force into ${shownPath(o.dir)}; the previous build is kept in ${shownPath(o.replacedDir!)}\n`);
    else io.out(`${o.release} archived in ${shownPath(o.dir)}\n`);
  }
  io.out(`archive index: ${shownPath(path.join(path.resolve(values.archive), "index.html"))}\n`);
  return 0;
}
