/**
 * `benchbook collect <study.yaml> [--wait]`: record the SLURM jobs of a `--no-wait` run that have ended,
 * and ingest once all have. Running it twice changes nothing. Exit: 0 all collected and succeeded, 1 some
 * did not succeed, 3 some are still queued or running.
 */
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {collectStudy} from "../loaders/runner/run.ts";
import {parseVerbArguments} from "./args.ts";
import {usageOf} from "./usage.ts";

export async function collectCommand(argv: string[], io: {stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream} = {}): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {usage: usageOf("collect"), options: {wait: {type: "boolean"}}, positionals: {min: 1, max: 1, what: "study file"}});
  const {results, pending} = await collectStudy(positionals[0]!, {stdout: io.stdout, wait: values.wait, ingest: ingestStudy});
  if (pending > 0) return 3;
  return results.every((r) => r.status === "succeeded") ? 0 : 1;
}
