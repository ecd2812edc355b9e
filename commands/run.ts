/**
 * `benchbook run <study.yaml>`: execute the study's runs (locally or as SLURM jobs), then ingest.
 * SIGINT/SIGTERM stop the running pipeline (recorded as interrupted; SLURM jobs are cancelled); a second
 * signal exits at once. Exit: 0 all succeeded, 1 any execution did not, 2 bad input, 130 interrupted.
 */
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {DEFAULT_TIMEOUT_SECONDS, runStudy} from "../loaders/runner/run.ts";
import {numberOption, parseVerbArguments, usageError} from "./args.ts";
import {usageOf} from "./usage.ts";

export interface RunArguments {
  studyFile: string;
  runs: string[];
  repeat: number;
  timeoutSeconds: number;
  /** only when given */
  executor?: "local" | "slurm";
  noWait?: true;
}

export function parseRunArguments(argv: string[]): RunArguments {
  const usage = usageOf("run");
  const {values, positionals} = parseVerbArguments(argv, {
    usage,
    options: {
      run: {type: "string", variadic: true},
      repeat: {type: "string"},
      timeout: {type: "string"},
      executor: {type: "string"},
      "no-wait": {type: "boolean"}
    },
    positionals: {min: 1, max: 1, what: "study file"}
  });
  const parsed: RunArguments = {
    studyFile: positionals[0]!,
    runs: values.run,
    repeat: values.repeat === undefined ? 1 : numberOption("--repeat", values.repeat, "whole"),
    timeoutSeconds: values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : numberOption("--timeout", values.timeout, "seconds")
  };
  if (values.executor !== undefined) {
    if (values.executor !== "local" && values.executor !== "slurm") throw usageError(`--executor ${values.executor}: expected local or slurm`, usage);
    parsed.executor = values.executor;
  }
  if (values["no-wait"]) parsed.noWait = true;
  return parsed;
}

export async function runCommand(argv: string[], io: {stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream} = {}): Promise<number> {
  const args = parseRunArguments(argv);
  const stderr = io.stderr ?? process.stderr;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130);
    stderr.write(`\n[benchbook] ${signal}: stopping the pipeline (again to quit at once)\n`);
    controller.abort(`benchbook received ${signal}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const results = await runStudy(args.studyFile, {
      runs: args.runs.length ? args.runs : undefined,
      repeat: args.repeat,
      timeoutSeconds: args.timeoutSeconds,
      executor: args.executor,
      noWait: args.noWait,
      stdout: io.stdout,
      signal: controller.signal,
      ingest: ingestStudy
    });
    if (args.noWait) return 0;
    if (controller.signal.aborted || results.some((r) => r.status === "interrupted")) return 130;
    return results.every((r) => r.status === "succeeded") ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
