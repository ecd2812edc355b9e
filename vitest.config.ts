import {defineConfig} from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // fails the run when a test leaves a file in the work tree
    globalSetup: ["test/helpers/worktree-guard.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // a worker keeps the modules it imported for the next file instead of importing the engine afresh for
    // each of the 80-odd files (import was 157 of 1,200 CPU-s); the engine keeps no global state, and test
    // files restore what they change (environment variables, spies) after themselves
    isolate: false,
    // many slow tests wait on child processes, Chromium or the SLURM daemons rather than the CPU: four
    // workers keep both cores of these machines busy while some of them wait
    maxWorkers: 4,
    // the suite's databases are small: DuckDB's worker threads only add switching between four test
    // processes on two cores (a third less CPU on the corpus tests with one thread each); the large-data
    // paths keep their threads in `npm run bench` and `npm run bench:memory`
    env: {BENCHBOOK_DUCKDB_THREADS: "1"}
  }
});
