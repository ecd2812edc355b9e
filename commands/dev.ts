/** `benchbook dev <study.yaml>`: live preview of the report site (Framework's preview server). */
import {fileURLToPath} from "node:url";
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {parseVerbArguments} from "./args.ts";
import type {CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

const usage = usageOf("dev");

export async function devCommand(argv: string[], _io: CommandIo): Promise<number> {
  const {positionals} = parseVerbArguments(argv, {usage, options: {}, positionals: {min: 1, max: 1, what: "study file"}});
  const {dbFile, study} = await ingestStudy(positionals[0]!);
  const {execa} = await import("execa");
  const root = fileURLToPath(new URL("..", import.meta.url));
  await execa("node", [fileURLToPath(new URL("../node_modules/@observablehq/framework/dist/bin/observable.js", import.meta.url)), "preview"], {
    cwd: root,
    stdio: "inherit",
    env: {BENCHBOOK_DB: dbFile, BENCHBOOK_STUDY: study.file, OBSERVABLE_TELEMETRY_DISABLE: "1"}
  });
  return 0;
}
