/** `benchbook serve [DIR] [--port N]`: serve the archive on 127.0.0.1 until interrupted. */
import {stat} from "node:fs/promises";
import path from "node:path";
import {DEFAULT_ARCHIVE} from "../engine/archive/fs.ts";
import {InputError} from "../engine/errors.ts";
import {numberOption, parseVerbArguments} from "./args.ts";
import {shownPath, type CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("serve");

export async function serveCommand(argv: string[], io: CommandIo): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {usage, options: {port: {type: "string"}}, positionals: {max: 1, what: "folder"}});
  const dir = path.resolve(positionals[0] ?? DEFAULT_ARCHIVE);
  const port = values.port === undefined ? 0 : numberOption("--port", values.port, "port");
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new InputError("not found", {file: dir, expected: "an archive folder written by `benchbook build` (default dist/)"});
  const {serveDirectory} = await import("../engine/server/serve.ts");
  const server = await serveDirectory(dir, {port}).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE" || error.code === "EACCES") {
      throw new InputError(`port ${port} ${error.code === "EADDRINUSE" ? "is already in use" : "cannot be opened by this user"}`, {expected: "a free port: --port N, or --port 0 for any free one"});
    }
    throw error;
  });
  io.out(`serving ${shownPath(dir)} at ${server.url} (Ctrl-C to stop)\n`);
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
