/**
 * The archive commands of the CLI: build, approve, reject, serve, export. Refusals that protect the
 * archive (immutability, symlinks) and site-build failures exit 1 with one message; unusable input
 * (a bad release name, a missing release) is an InputError, which the CLI turns into exit 2.
 */
import {stat} from "node:fs/promises";
import path from "node:path";
import {parseArgs} from "node:util";
import {InputError, writeOutputFile} from "../engine/errors.ts";
import type {BrokenRelease} from "../engine/archive/scan.ts";
import {SiteBuildError} from "../engine/site/build.ts";
import {buildArchive} from "../engine/archive/build.ts";
import {exportRelease} from "../engine/archive/export.ts";
import {ArchiveError, checkReleaseName, openArchiveRoot} from "../engine/archive/fs.ts";
import {withArchiveLock} from "../engine/archive/lock.ts";
import {assertRootWritable, writeArchiveRoot} from "../engine/archive/root.ts";
import {recordSignoff, signoffText, type Decision} from "../engine/archive/signoff.ts";

export const DEFAULT_ARCHIVE = "dist";

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STDIO: CommandIo = {out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t)};

export async function archiveCommand(command: string, argv: string[], io: CommandIo = STDIO): Promise<number> {
  try {
    switch (command) {
      case "build":
        return await build(argv, io);
      case "approve":
      case "reject":
        return await signoff(command === "approve" ? "approved" : "rejected", argv, io);
      case "serve":
        return await serve(argv, io);
      case "export":
        return await exportCommand(argv, io);
      default:
        throw usageError(`unknown archive command '${command}'`);
    }
  } catch (error) {
    if (error instanceof ArchiveError || error instanceof SiteBuildError) {
      io.err(`benchbook ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function usageError(message: string): Error {
  const error = new TypeError(message) as NodeJS.ErrnoException;
  error.code = "ERR_PARSE_ARGS_UNKNOWN_OPTION";
  return error;
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

async function build(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {archive: {type: "string", default: DEFAULT_ARCHIVE}, force: {type: "boolean", default: false}}
  });
  if (positionals.length === 0) throw usageError("build takes at least one study file");
  let broken: BrokenRelease[] = [];
  const outcomes = await buildArchive(positionals, {archive: values.archive!, force: values.force, log: (line) => io.err(`${line}\n`), onBroken: (b) => (broken = b)});
  for (const o of outcomes) {
    if (o.action === "unchanged") io.out(`${o.release} already archived, unchanged (${shown(o.dir)})\n`);
    else if (o.action === "replaced") io.out(`${o.release} rebuilt with --force into ${shown(o.dir)}; the previous build is kept in ${shown(o.replacedDir!)}\n`);
    else io.out(`${o.release} archived in ${shown(o.dir)}\n`);
  }
  io.out(`archive index: ${shown(path.join(path.resolve(values.archive!), "index.html"))}\n`);
  return reportBroken(broken, "build", io);
}

/** Folders that fail verification are listed as broken in the index; the command says so and exits 1. */
function reportBroken(broken: BrokenRelease[], command: string, io: CommandIo): number {
  if (broken.length === 0) return 0;
  io.err(`benchbook ${command}: ${broken.length} archived release folder${broken.length === 1 ? "" : "s"} fail verification and are listed as broken (run \`benchbook verify\`):\n${broken.map((b) => `  ${b.problems.join("\n  ")}\n`).join("")}`);
  return 1;
}

async function signoff(decision: Decision, argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {by: {type: "string"}, note: {type: "string"}, archive: {type: "string", default: DEFAULT_ARCHIVE}}
  });
  const verb = decision === "approved" ? "approve" : "reject";
  if (positionals.length !== 1) throw usageError(`${verb} takes one release name`);
  const release = checkReleaseName(positionals[0]!);
  if (values.by === undefined) throw usageError(`${verb} needs --by NAME`);
  if (decision === "rejected" && values.note === undefined) throw usageError("reject needs --note TEXT saying why");
  const root = await openArchiveRoot(values.archive!);
  const {state, broken} = await withArchiveLock(root, async () => {
    await assertRootWritable(root);
    const result = await recordSignoff(root, release, {decision, by: values.by!, note: values.note, at: new Date().toISOString()});
    const contents = await writeArchiveRoot(root);
    return {...result, broken: contents.broken};
  });
  io.out(`${release}: ${signoffText(state)}\n`);
  return reportBroken(broken, verb, io);
}

async function serve(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {port: {type: "string"}}});
  if (positionals.length > 1) throw usageError("serve takes at most one folder");
  const dir = path.resolve(positionals[0] ?? DEFAULT_ARCHIVE);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be a port number (0-65535), not '${values.port}'`);
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new InputError("not found", {file: dir, expected: "an archive folder written by `benchbook build` (default dist/)"});
  const {serveDirectory} = await import("../engine/server/serve.ts");
  const server = await serveDirectory(dir, {port}).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE" || error.code === "EACCES") {
      throw new InputError(`port ${port} ${error.code === "EADDRINUSE" ? "is already in use" : "cannot be opened by this user"}`, {expected: "a free port: --port N, or --port 0 for any free one"});
    }
    throw error;
  });
  io.out(`serving ${shown(dir)} at ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

async function exportCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {"single-file": {type: "boolean", default: false}, output: {type: "string"}, archive: {type: "string", default: DEFAULT_ARCHIVE}}
  });
  if (positionals.length !== 1) throw usageError("export takes one release name");
  if (!values["single-file"]) throw usageError("export writes one self-contained HTML file: pass --single-file");
  const release = checkReleaseName(positionals[0]!);
  const root = path.resolve(values.archive!);
  const html = await exportRelease(root, release);
  const output = path.resolve(values.output ?? `${release}-overview.html`);
  await writeOutputFile(output, html);
  io.out(`${release}: overview written to ${shown(output)} (${Buffer.byteLength(html).toLocaleString("en-US")} bytes, opens from disk)\n`);
  return 0;
}
