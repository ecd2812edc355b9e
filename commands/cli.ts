/**
 * The `benchbook` command line: one file per verb in this folder, one argument parser (args.ts).
 * Exit codes: 0 success, 1 a criterion is not met (check) or a command refused or failed, 2 unusable
 * input (the message names the file and line, or the usage).
 */
import {ArchiveError} from "../engine/archive/fs.ts";
import {isInputError} from "../engine/errors.ts";
import {SiteBuildError} from "../engine/site/build.ts";
import {BENCHBOOK_VERSION} from "../engine/version.ts";
import {STDIO, type CommandIo} from "./io.ts";
import {helpText} from "./usage.ts";

type Verb = (argv: string[], io: CommandIo) => Promise<number>;

/** Each verb loads only what it needs: `benchbook check` does not import the site builder. */
const VERBS: Record<string, () => Promise<Verb>> = {
  ingest: async () => (await import("./ingest.ts")).ingestCommand,
  report: async () => (await import("./report.ts")).reportCommand,
  check: async () => (await import("./check.ts")).checkCommand,
  build: async () => (await import("./build.ts")).buildCommand,
  dev: async () => (await import("./dev.ts")).devCommand,
  run: async () => {
    const {runCommand} = await import("./run.ts");
    // the process's own streams keep the live display (it needs a TTY); a capture gets the plain text
    return (argv, io) => runCommand(argv, io === STDIO ? {} : {stdout: writable(io.out), stderr: writable(io.err)});
  },
  collect: async () => {
    const {collectCommand} = await import("./collect.ts");
    return (argv, io) => collectCommand(argv, io === STDIO ? {} : {stdout: writable(io.out), stderr: writable(io.err)});
  },
  approve: async () => (await import("./signoff.ts")).approveCommand,
  reject: async () => (await import("./signoff.ts")).rejectCommand,
  verify: async () => (await import("./verify.ts")).verifyCommand,
  serve: async () => (await import("./serve.ts")).serveCommand,
  export: async () => (await import("./export.ts")).exportCommand
};

const USAGE = helpText(BENCHBOOK_VERSION);

/**
 * Run one verb. Refusals that protect the archive and site-build failures are exit 1 with one line;
 * input errors propagate (main turns them into exit 2), so tests can assert on them.
 */
export async function runVerb(name: string, argv: string[], io: CommandIo = STDIO): Promise<number> {
  const load = VERBS[name];
  if (!load) throw new Error(`unknown verb '${name}'`);
  const verb = await load();
  try {
    return await verb(argv, io);
  } catch (error) {
    if (error instanceof ArchiveError || error instanceof SiteBuildError) {
      io.err(`benchbook ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export async function main(argv: string[], io: CommandIo = STDIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "version") {
    io.out(`${BENCHBOOK_VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(VERBS, command)) {
    io.err(`benchbook: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  try {
    return await runVerb(command, rest, io);
  } catch (error) {
    if (isInputError(error)) {
      io.err(`benchbook ${command}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function writable(write: (text: string) => void): NodeJS.WritableStream {
  return {write: (chunk: string | Uint8Array) => (write(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString()), true)} as NodeJS.WritableStream;
}
