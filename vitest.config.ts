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
    // one worker per core of these 2-core machines. Measured on the whole suite (2026-12-02): 1 worker
    // 666 s, 2 workers 504 s, 3 workers 504 s, 4 workers 551 s; CPU used 680, 801, 858 and 947 s. More
    // workers than cores only add contention (DuckDB's memory traffic, page faults), and the timing-
    // sensitive tests (SLURM queues, process timeouts) flaked only with 3 and 4
    maxWorkers: 2,
    // the suite's databases are small: DuckDB's worker threads only add switching between the test
    // processes on two cores (a third less CPU on the corpus tests with one thread each); the large-data
    // paths keep their threads in `npm run bench` and `npm run bench:memory`
    env: {BENCHBOOK_DUCKDB_THREADS: "1"}
  }
});
