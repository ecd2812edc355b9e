/** `benchbook build <study.yaml> ...`: archive each release's report site and rewrite the archive index. */
import path from "node:path";
import {buildArchive} from "../engine/archive/build.ts";
import {DEFAULT_ARCHIVE} from "../engine/archive/fs.ts";
import type {BrokenRelease} from "../engine/archive/scan.ts";
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
  let broken: BrokenRelease[] = [];
  const outcomes = await buildArchive(positionals, {archive: values.archive, force: values.force, log: (line) => io.err(`${line}\n`), onBroken: (b) => (broken = b)});
  for (const o of outcomes) {
    if (o.action === "unchanged") io.out(`${o.release} already archived, unchanged (${shownPath(o.dir)})\n`);
    else if (o.action === "replaced") io.out(`${o.release} rebuilt with --force into ${shownPath(o.dir)}; the previous build is kept in ${shownPath(o.replacedDir!)}\n`);
    else io.out(`${o.release} archived in ${shownPath(o.dir)}\n`);
  }
  io.out(`archive index: ${shownPath(path.join(path.resolve(values.archive), "index.html"))}\n`);
  return reportBroken(broken, "build", io);
}

/** Folders that fail verification are listed as broken in the index; the command says so and exits 1. */
export function reportBroken(broken: readonly BrokenRelease[], command: string, io: CommandIo): number {
  if (broken.length === 0) return 0;
  io.err(`benchbook ${command}: ${broken.length} archived release folder${broken.length === 1 ? "" : "s"} fail verification and are listed as broken (run \`benchbook verify\`):\n${broken.map((b) => `  ${b.problems.join("\n  ")}\n`).join("")}`);
  return 1;
}
