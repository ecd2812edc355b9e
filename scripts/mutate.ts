/**
 * `npm run mutate`: one-line mutants of the code users rely on (metric SQL, criteria, CLI, archive),
 * each run against the tests that should catch it. A mutant that survives is a missing test.
 *
 * The mutants are applied to a temporary copy of the repository (tracked and untracked, non-ignored
 * files; node_modules linked), never to the checkout, so an interrupted run leaves the work tree as it
 * was. The unmutated copy runs every selected test file once first: a test that already fails would
 * "kill" every mutant and prove nothing.
 *
 *   npm run mutate                      every mutant
 *   npm run mutate -- --only id,id      some of them
 *   npm run mutate -- --list            the mutants and their tests, nothing run
 *
 * Exit code: 0 when every mutant was killed, 1 when one survived or cannot be applied (its search text
 * is no longer in the file exactly once: update the list), 2 when the unmutated tests fail.
 */
import {execFileSync, spawn} from "node:child_process";
import {cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));

interface Mutant {
  id: string;
  file: string;
  search: string;
  replace: string;
  tests: string[];
  /** what the mutant stands for */
  why: string;
}

const T = {
  example: "test/engine/ingest/example-figures.test.ts",
  fourGpus: "test/engine/ingest/four-gpus.test.ts",
  timing: "test/engine/metrics/timing-scaling.test.ts",
  correctness: "test/engine/metrics/correctness.test.ts",
  telemetry: "test/engine/metrics/gpu-throughput-packing.test.ts",
  stats: "test/engine/metrics/stats.test.ts",
  macros: "test/engine/metrics/macros.test.ts",
  stageSums: "test/engine/metrics/stage-sums.test.ts",
  boundaries: "test/engine/report/boundaries.test.ts",
  criteria: "test/engine/report/criteria.test.ts",
  check: "test/commands/check.test.ts",
  tamper: "test/engine/archive/tamper.test.ts",
  noLog: "test/engine/report/no-log.test.ts",
  archiveUnits: "test/engine/archive/units.test.ts"
};

/** The metric SQL: views.ts and the family files beside it (timing.ts, scaling.ts, ...); a mutant names the folder's views.ts and runs in whichever file holds its text. */
const VIEWS = "engine/metrics/views.ts";

async function mutantFile(dir: string, mutant: Mutant): Promise<string> {
  if (mutant.file !== VIEWS) return path.join(dir, mutant.file);
  const folder = path.join(dir, path.dirname(VIEWS));
  const {readdir} = await import("node:fs/promises");
  for (const name of (await readdir(folder)).filter((n) => n.endsWith(".ts")).sort()) {
    const file = path.join(folder, name);
    if (occurrences(await readFile(file, "utf8"), mutant.search) > 0) return file;
  }
  return path.join(dir, VIEWS);
}
const CRITERIA = "engine/report/criteria.ts";

export const MUTANTS: Mutant[] = [
  // --- the mutants that shipped green before issue 18 ---
  {
    id: "ingest-gpu-stages-esm-only",
    why: "ingest marks only ESM-2 as a GPU stage (DNABERT-S dropped)",
    file: "loaders/virnucpro/adapter.ts",
    search: "is_gpu: (GPU_STAGES as readonly string[]).includes(name)",
    replace: 'is_gpu: name === "ESM-2 Feature Extraction"',
    tests: [T.example, T.fourGpus]
  },
  {id: "scaling-n-to-gpus", why: "N = to_gpus instead of to_gpus / from_gpus", file: VIEWS, search: "t.gpus::DOUBLE / b.gpus AS n", replace: "t.gpus::DOUBLE AS n", tests: [T.timing, T.fourGpus]},
  {
    id: "tolerance-le-to-lt",
    why: "the tolerance comparison <= turned into <",
    file: VIEWS,
    search: "count(*) FILTER (WHERE compared AND max_diff <= (SELECT tolerance FROM tol))::INTEGER AS within_tolerance",
    replace: "count(*) FILTER (WHERE compared AND max_diff < (SELECT tolerance FROM tol))::INTEGER AS within_tolerance",
    tests: [T.correctness, T.boundaries]
  },
  {
    id: "archive-trusts-stored-hash",
    why: "the archive no longer recomputes a stored manifest's hash",
    file: "engine/archive/build.ts",
    search: "return archived.content_sha256 === next.content_sha256 && contentHash(archived) === archived.content_sha256;",
    replace: "return archived.content_sha256 === next.content_sha256;",
    tests: [T.tamper]
  },
  {id: "target-gt-to-ge", why: "a > target turned into >=", file: "engine/metrics/stats.ts", search: "return value > target;", replace: "return value >= target;", tests: [T.boundaries, T.criteria]},

  // --- comparisons and verdicts ---
  {id: "target-ge-to-gt", why: "a >= target turned into >", file: "engine/metrics/stats.ts", search: "return value >= target;", replace: "return value > target;", tests: [T.boundaries, T.criteria]},
  {id: "target-lt-to-le", why: "a < target turned into <=", file: "engine/metrics/stats.ts", search: "return value < target;", replace: "return value <= target;", tests: [T.boundaries, T.criteria]},
  {id: "target-le-to-lt", why: "a <= target turned into <", file: "engine/metrics/stats.ts", search: "return value <= target;", replace: "return value < target;", tests: [T.boundaries, T.criteria]},
  {
    id: "precedence-invalid-over-fail",
    why: "PRECEDENCE: invalid outranks fail",
    file: CRITERIA,
    search: 'const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "no_data", "inconclusive", "pass"];',
    replace: 'const PRECEDENCE: CriterionStatus[] = ["invalid", "fail", "no_data", "inconclusive", "pass"];',
    tests: [T.boundaries, T.example, T.criteria]
  },
  {
    id: "precedence-inconclusive-over-no-data",
    why: "PRECEDENCE: inconclusive outranks no_data",
    file: CRITERIA,
    search: 'const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "no_data", "inconclusive", "pass"];',
    replace: 'const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "inconclusive", "no_data", "pass"];',
    tests: [T.boundaries, T.criteria]
  },
  {
    id: "precedence-no-data-over-invalid",
    why: "PRECEDENCE: no_data outranks invalid",
    file: CRITERIA,
    search: 'const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "no_data", "inconclusive", "pass"];',
    replace: 'const PRECEDENCE: CriterionStatus[] = ["fail", "no_data", "invalid", "inconclusive", "pass"];',
    tests: [T.boundaries, T.example, T.criteria]
  },
  {
    id: "precedence-pass-over-inconclusive",
    why: "PRECEDENCE: pass outranks inconclusive",
    file: CRITERIA,
    search: 'const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "no_data", "inconclusive", "pass"];',
    replace: 'const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "no_data", "pass", "inconclusive"];',
    tests: [T.boundaries, T.example, T.criteria]
  },
  {id: "summary-pass-when-some-met", why: "summarize: overall pass when any criterion is met", file: CRITERIA, search: 'met === criteria.length ? "pass" : "incomplete"', replace: 'met > 0 ? "pass" : "incomplete"', tests: [T.criteria, T.boundaries]},
  {id: "summary-fail-only-when-all-fail", why: "summarize: overall fail only when every criterion fails", file: CRITERIA, search: 'criteria.some((c) => c.status === "fail") ? "fail"', replace: 'criteria.every((c) => c.status === "fail") ? "fail"', tests: [T.criteria, T.boundaries]},
  {
    id: "worst-value-swapped",
    why: "the shown value of a multi-run criterion is the best run, not the worst",
    file: CRITERIA,
    search: "(larger ? v.value > w.value : v.value < w.value) ? v : w",
    replace: "(larger ? v.value < w.value : v.value > w.value) ? v : w",
    tests: [T.criteria, T.boundaries]
  },
  {id: "incomplete-run-judged", why: "an incomplete run is judged like a complete one", file: CRITERIA, search: 'return run.status === "complete" ? null :', replace: "return true ? null :", tests: [T.criteria]},
  {id: "model-mismatch-not-invalid", why: "a model mismatch no longer makes agreement invalid", file: CRITERIA, search: "if (c.model_match === false) {", replace: "if (c.model_match === false && false) {", tests: [T.example, T.criteria]},
  {id: "duplicated-monitor-not-invalid", why: "duplicated GPU monitors no longer make utilisation invalid", file: CRITERIA, search: "if (g.duplicated) {", replace: "if (g.duplicated && false) {", tests: [T.telemetry, T.example, T.criteria]},
  {id: "contamination-ignored", why: "contaminating findings (resumed run, stale outputs) no longer invalidate", file: CRITERIA, search: "CONTAMINATING_FINDINGS.has(w.code)", replace: "CONTAMINATING_FINDINGS.has(w.code) && false", tests: [T.timing, T.criteria]},

  // --- metric SQL ---
  {
    id: "bb-sig-11-digits",
    why: "bb_sig keeps one digit fewer than asked",
    file: VIEWS,
    search: "round(x::DOUBLE, (d - 1 - floor(log10(abs(x::DOUBLE))))::INTEGER)",
    replace: "round(x::DOUBLE, (d - 2 - floor(log10(abs(x::DOUBLE))))::INTEGER)",
    tests: [T.macros, T.timing, T.example]
  },
  {
    id: "bb-sig-6-digits",
    why: "bb_sig rounds to 6 significant digits",
    file: VIEWS,
    search: "round(x::DOUBLE, (d - 1 - floor(log10(abs(x::DOUBLE))))::INTEGER)",
    replace: "round(x::DOUBLE, (6 - 1 - floor(log10(abs(x::DOUBLE))))::INTEGER)",
    tests: [T.macros, T.timing, T.example]
  },
  {id: "amdahl-f-of-to-run", why: "Amdahl's f taken from the larger run instead of the baseline", file: VIEWS, search: "b.gpu_stage_seconds / b.total_seconds AS f,", replace: "t.gpu_stage_seconds / t.total_seconds AS f,", tests: [T.timing, T.example, T.fourGpus]},
  {id: "karp-flatt-sign", why: "Karp-Flatt denominator 1 + 1/N", file: VIEWS, search: "bb_sig((1 / speedup - 1 / n) / (1 - 1 / n), 12) AS karp_flatt", replace: "bb_sig((1 / speedup - 1 / n) / (1 + 1 / n), 12) AS karp_flatt", tests: [T.timing, T.example]},
  {id: "efficiency-by-to-gpus", why: "efficiency divides by the larger run's GPU count", file: VIEWS, search: "bb_sig(speedup / n, 12) AS efficiency", replace: "bb_sig(speedup / to_gpus, 12) AS efficiency", tests: [T.timing, T.fourGpus]},
  {id: "scaling-incomplete-base", why: "an incomplete run may be the scaling baseline", file: VIEWS, search: "SELECT * FROM v_run_timing WHERE status = 'complete' AND total_seconds > 0 AND gpus IS NOT NULL", replace: "SELECT * FROM v_run_timing WHERE total_seconds > 0 AND gpus IS NOT NULL", tests: [T.timing, T.criteria]},
  {id: "gpu-sum-counts-skipped", why: "the GPU-stage sum FILTER drops NOT skipped", file: VIEWS, search: "bb_sig(sum(seconds) FILTER (WHERE NOT skipped AND is_gpu), 12) AS gpu_sum", replace: "bb_sig(sum(seconds) FILTER (WHERE is_gpu), 12) AS gpu_sum", tests: [T.stageSums, T.timing, T.example]},
  {id: "cpu-sum-counts-skipped", why: "the CPU-stage sum FILTER drops NOT skipped", file: VIEWS, search: "bb_sig(sum(seconds) FILTER (WHERE NOT skipped AND NOT is_gpu), 12) AS cpu_sum", replace: "bb_sig(sum(seconds) FILTER (WHERE NOT is_gpu), 12) AS cpu_sum", tests: [T.stageSums, T.timing]},
  {id: "headline-fewest-gpus", why: "the baseline headline is the run with the fewest GPUs", file: VIEWS, search: "FROM v_run_timing WHERE gpus IS NOT NULL ORDER BY gpus DESC, ord LIMIT 1", replace: "FROM v_run_timing WHERE gpus IS NOT NULL ORDER BY gpus ASC, ord LIMIT 1", tests: [T.timing, T.example, T.fourGpus]},
  {id: "baseline-incomplete-run", why: "baseline speedup computed for an incomplete run", file: VIEWS, search: "CASE WHEN t.status = 'complete' AND t.total_seconds > 0\n       THEN bb_sig(rel.baseline_total_seconds", replace: "CASE WHEN t.total_seconds > 0\n       THEN bb_sig(rel.baseline_total_seconds", tests: [T.timing, T.criteria]},
  {
    id: "joint-ignores-labels",
    why: "joint agreement FILTER drops NOT label_mismatch",
    file: VIEWS,
    search: "count(*) FILTER (WHERE compared AND NOT label_mismatch AND max_diff <= (SELECT tolerance FROM tol))::INTEGER AS joint_matches",
    replace: "count(*) FILTER (WHERE compared AND max_diff <= (SELECT tolerance FROM tol))::INTEGER AS joint_matches",
    tests: [T.correctness, T.boundaries]
  },
  {
    id: "mismatch-total-on-tolerance",
    why: "a row exactly on the tolerance counted as a mismatch",
    file: VIEWS,
    search: "max_diff IS NULL OR max_diff > (SELECT tolerance FROM tol)))::INTEGER AS mismatches_total",
    replace: "max_diff IS NULL OR max_diff >= (SELECT tolerance FROM tol)))::INTEGER AS mismatches_total",
    tests: [T.correctness, T.boundaries]
  },
  {
    id: "mismatch-list-on-tolerance",
    why: "the mismatch list includes rows exactly on the tolerance",
    file: VIEWS,
    search: "WHERE compared AND (label_mismatch OR max_diff IS NULL OR max_diff > (SELECT tolerance FROM v_release))",
    replace: "WHERE compared AND (label_mismatch OR max_diff IS NULL OR max_diff >= (SELECT tolerance FROM v_release))",
    tests: [T.correctness, T.boundaries]
  },
  {id: "label-agreement-ignores-mismatches", why: "label agreement = compared / compared", file: VIEWS, search: "bb_sig((a.compared - a.label_mismatches)::DOUBLE / a.compared, 12)", replace: "bb_sig((a.compared)::DOUBLE / a.compared, 12)", tests: [T.correctness, T.example]},
  {id: "derived-consensus-tie", why: "a derived consensus tie goes to others", file: VIEWS, search: "g.score_virus >= g.score_others, g.score_others", replace: "g.score_virus > g.score_others, g.score_others", tests: [T.correctness, T.boundaries]},
  {id: "packing-budget-4096", why: "packing efficiency against 4096 tokens instead of the logged budget", file: VIEWS, search: "bb_sig(dl.tokens::DOUBLE / (dl.n * w.token_budget), 12)", replace: "bb_sig(dl.tokens::DOUBLE / (dl.n * 4096), 12)", tests: [T.telemetry, T.example]},
  {id: "packing-logged-not-rescaled", why: "the logged pack eff not rescaled by 4096 / budget", file: VIEWS, search: "bb_sig(lastp.logged * bb_profile('logged_packing_scale')::DOUBLE / w.token_budget, 12)", replace: "bb_sig(lastp.logged, 12)", tests: [T.telemetry, T.example]},
  {id: "gpu-window-open-end", why: "GPU samples after the ESM-2 stage counted", file: VIEWS, search: "WHERE g.sampled_at >= s.started_at AND g.sampled_at <= s.ended_at", replace: "WHERE g.sampled_at >= s.started_at", tests: [T.telemetry, T.example]},
  {
    id: "gpu-share-above-80",
    why: "share at or above 80 % counts only samples above 80 %",
    file: VIEWS,
    search: "    bb_sig(avg(CASE WHEN utilization >= 80 THEN 1.0 ELSE 0.0 END), 12) AS share_at_or_above_80\n  FROM v_gpu_window_samples GROUP BY run_id\n",
    replace: "    bb_sig(avg(CASE WHEN utilization > 80 THEN 1.0 ELSE 0.0 END), 12) AS share_at_or_above_80\n  FROM v_gpu_window_samples GROUP BY run_id\n",
    tests: [T.telemetry, T.example, T.boundaries]
  },
  {id: "gpu-duplicated-never", why: "monitors that all sampled one device not flagged", file: VIEWS, search: "coalesce(r.gpus > 1 AND mon.monitors > 1 AND win.devices = 1, false) AS duplicated", replace: "false AS duplicated", tests: [T.telemetry, T.example]},

  {id: "share-over-stage-sum", why: "a stage's share of the stage sum instead of the summary total", file: VIEWS, search: "bb_sig(s.seconds / t.total_seconds, 12) END AS share", replace: "bb_sig(s.seconds / t.stage_sum_seconds, 12) END AS share", tests: [T.stageSums, T.timing, T.example]},
  {id: "esm-only-ceiling-mixed", why: "the ESM-2-only ceiling mixes in the all-GPU share", file: VIEWS, search: "bb_sig(1 / ((1 - f_primary) + f_primary / n), 12) AS primary_only_ceiling", replace: "bb_sig(1 / ((1 - f) + f_primary / n), 12) AS primary_only_ceiling", tests: [T.timing, T.example]},
  {id: "what-if-ideal-by-2", why: "the ideal DNABERT-S what-if divides by 2 whatever N", file: VIEWS, search: "bb_sig(to_seconds - secondary_to + secondary_from / n, 12) AS what_if_secondary_ideal,", replace: "bb_sig(to_seconds - secondary_to + secondary_from / 2, 12) AS what_if_secondary_ideal,", tests: [T.timing, T.fourGpus]},
  {id: "baseline-inverted", why: "baseline speedup inverted", file: VIEWS, search: "THEN bb_sig(rel.baseline_total_seconds / t.total_seconds, 12) END AS speedup", replace: "THEN bb_sig(t.total_seconds / rel.baseline_total_seconds, 12) END AS speedup", tests: [T.timing, T.example]},
  {id: "within-share-over-reference", why: "within-tolerance share over the reference rows instead of the compared rows", file: VIEWS, search: "bb_sig(a.within_tolerance::DOUBLE / a.compared, 12) END AS within_tolerance_share", replace: "bb_sig(a.within_tolerance::DOUBLE / a.reference_rows, 12) END AS within_tolerance_share", tests: [T.correctness, T.boundaries, T.example]},
  {id: "max-diff-virus-only", why: "the row difference reads only the virus score", file: VIEWS, search: "ELSE greatest(diff_others, diff_virus) END AS max_diff", replace: "ELSE diff_virus END AS max_diff", tests: [T.correctness, T.boundaries, T.example]},
  {id: "packing-run-mean-of-workers", why: "run packing efficiency as the plain mean of the workers' instead of batch-weighted", file: VIEWS, search: "THEN bb_sig(sum(efficiency * population_batches) / sum(population_batches), 12) END AS efficiency,", replace: "THEN bb_sig(avg(efficiency), 12) END AS efficiency,", tests: [T.telemetry, T.example]},
  {id: "unknown-metric-accepted", why: "a criterion naming an unknown metric is not refused up front", file: CRITERIA, search: "if (!METRICS[spec.metric]) {", replace: "if (false) {", tests: [T.criteria, T.check]},
  {id: "ceiling-criterion-esm-only", why: "the Amdahl-ceiling criterion reads the ESM-2-only ceiling", file: CRITERIA, search: 'field === "ceiling" ? s.amdahl.ceiling :', replace: 'field === "ceiling" ? s.amdahl.primary_only_ceiling :', tests: [T.criteria]},
  {id: "baseline-criterion-first-run", why: "the baseline criterion reads the first run's speedup", file: CRITERIA, search: "const b = report.baseline.runs.find((x) => x.run === run.id);", replace: "const b = report.baseline.runs[0];", tests: [T.criteria, T.example, T.fourGpus]},
  {id: "no-log-partial-judged", why: "a run without a log whose outputs lack reference IDs is judged anyway", file: CRITERIA, search: 'if (run.status === "no_log" && c.missing > 0) {', replace: 'if (run.status === "no_log" && c.missing > 0 && false) {', tests: [T.noLog, T.criteria]},

  // --- CLI and archive ---
  {id: "cli-input-error-exit-1", why: "unusable input exits 1 instead of 2", file: "commands/cli.ts", search: "    if (isInputError(error)) {\n      io.err(`benchbook ${command}: ${error.message}\\n`);\n      return 2;", replace: "    if (isInputError(error)) {\n      io.err(`benchbook ${command}: ${error.message}\\n`);\n      return 1;", tests: [T.check]},
  {id: "check-exits-0-when-some-pass", why: "`benchbook check` exits 0 when some criterion passes instead of all", file: "commands/check.ts", search: "report.criteria.every((c) => c.status === \"pass\") ? 0 : 1", replace: "report.criteria.some((c) => c.status === \"pass\") ? 0 : 1", tests: [T.check]},
  {id: "archive-never-refuses", why: "a release archived with different content is replaced without --force", file: "engine/archive/build.ts", search: "if (conflicts.length && !options.force) {", replace: "if (conflicts.length && false) {", tests: [T.tamper]},
  {id: "archive-ignores-new-content", why: "a release with different inputs passes as unchanged when its stored hash is intact", file: "engine/archive/build.ts", search: "return archived.content_sha256 === next.content_sha256 && contentHash(archived)", replace: "return true && contentHash(archived)", tests: [T.tamper]},
  {id: "content-hash-covers-nothing", why: "the content hash ignores the manifest's inputs", file: "engine/archive/manifest.ts", search: "const {build_time: _time, content_sha256: _hash, ...content} = manifest;", replace: "const {build_time: _time, content_sha256: _hash, inputs: _inputs, ...content} = manifest;", tests: [T.tamper, T.archiveUnits]}
];

// ---------------------------------------------------------------------------------------------------

interface Outcome {
  mutant: Mutant;
  result: "killed" | "survived" | "not-applicable";
  seconds: number;
  detail?: string;
}

function parseArgs(argv: string[]): {only: Set<string> | null; list: boolean} {
  let only: Set<string> | null = null;
  let list = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--list") list = true;
    else if (argv[i] === "--only") only = new Set(argv[++i]!.split(",").filter(Boolean));
    else if (argv[i]!.startsWith("--only=")) only = new Set(argv[i]!.slice(7).split(",").filter(Boolean));
    else throw new Error(`unknown argument '${argv[i]}' (use --only id,id or --list)`);
  }
  return {only, list};
}

/** Copy the checkout (tracked and untracked, non-ignored files) into `dir`, with node_modules linked. */
async function copyRepo(dir: string): Promise<void> {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {cwd: ROOT, encoding: "utf8", maxBuffer: 256 << 20})
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    if (file === "node_modules") continue;
    await mkdir(path.dirname(path.join(dir, file)), {recursive: true});
    await cp(path.join(ROOT, file), path.join(dir, file), {dereference: false, verbatimSymlinks: true}).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error; // deleted in the work tree but not yet in git
    });
  }
  await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
}

let current: ReturnType<typeof spawn> | null = null;

/** Run vitest on `tests` in the copy; resolves to the exit code and the tail of the output. */
function vitest(dir: string, tests: string[], timeoutSeconds: number): Promise<{code: number | null; tail: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(dir, "node_modules", "vitest", "vitest.mjs"), "run", "--bail=1", ...tests], {
      cwd: dir,
      env: {...process.env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1"},
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    });
    current = child;
    let out = "";
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const timer = setTimeout(() => {
      out += `\n(timed out after ${timeoutSeconds} s)`;
      killGroup(child);
    }, timeoutSeconds * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      current = null;
      resolve({code, tail: out});
    });
  });
}

function killGroup(child: ReturnType<typeof spawn>): void {
  try {
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function occurrences(text: string, search: string): number {
  let n = 0;
  for (let i = text.indexOf(search); i >= 0; i = text.indexOf(search, i + 1)) n++;
  return n;
}

async function main(): Promise<number> {
  const {only, list} = parseArgs(process.argv.slice(2));
  const ids = new Set(MUTANTS.map((m) => m.id));
  if (ids.size !== MUTANTS.length) throw new Error("two mutants share an id");
  for (const id of only ?? []) if (!ids.has(id)) throw new Error(`no mutant '${id}' (see --list)`);
  const selected = MUTANTS.filter((m) => !only || only.has(m.id));
  if (list) {
    for (const m of selected) process.stdout.write(`${m.id}\n  ${m.why}\n  ${m.file}: ${JSON.stringify(m.search)} -> ${JSON.stringify(m.replace)}\n  tests: ${m.tests.join(" ")}\n`);
    return 0;
  }

  const work = await mkdtemp(path.join(os.tmpdir(), "benchbook-mutate-"));
  const dir = path.join(work, "repo");
  const cleanup = () => {
    if (current) killGroup(current);
    execFileSync("rm", ["-rf", work]);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping; the checkout was never modified\n`);
    cleanup();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await copyRepo(dir);
    const allTests = [...new Set(selected.flatMap((m) => m.tests))].sort();
    process.stdout.write(`copied the checkout to ${dir}\nunmutated: ${allTests.length} test files ... `);
    const base = await vitest(dir, allTests, 900);
    if (base.code !== 0) {
      process.stdout.write(`FAILED\n${base.tail}\nthe unmutated tests fail: fix them before mutating\n`);
      return 2;
    }
    process.stdout.write("pass\n");

    const outcomes: Outcome[] = [];
    for (const [i, mutant] of selected.entries()) {
      const file = await mutantFile(dir, mutant);
      const original = await readFile(file, "utf8");
      const label = `[${i + 1}/${selected.length}] ${mutant.id}`;
      const count = occurrences(original, mutant.search);
      if (count !== 1) {
        outcomes.push({mutant, result: "not-applicable", seconds: 0, detail: `search text found ${count} times in ${mutant.file}`});
        process.stdout.write(`${label}: NOT APPLICABLE (search text found ${count} times)\n`);
        continue;
      }
      const started = Date.now();
      try {
        await writeFile(file, original.replace(mutant.search, () => mutant.replace));
        const r = await vitest(dir, mutant.tests, 600);
        const seconds = (Date.now() - started) / 1000;
        const result = r.code === 0 ? "survived" : "killed";
        outcomes.push({mutant, result, seconds});
        process.stdout.write(`${label}: ${result.toUpperCase()} (${seconds.toFixed(0)} s)\n`);
      } finally {
        await writeFile(file, original);
      }
    }

    const survived = outcomes.filter((o) => o.result !== "killed");
    process.stdout.write(`\n${outcomes.length - survived.length} of ${outcomes.length} mutants killed\n`);
    for (const o of survived) {
      process.stdout.write(`${o.result.toUpperCase()}: ${o.mutant.id} — ${o.mutant.why}\n  ${o.mutant.file}: ${JSON.stringify(o.mutant.search)} -> ${JSON.stringify(o.mutant.replace)}\n  tests: ${o.mutant.tests.join(" ")}${o.detail ? `\n  ${o.detail}` : ""}\n`);
    }
    return survived.length ? 1 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await rm(work, {recursive: true, force: true});
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) process.exitCode = await main();
