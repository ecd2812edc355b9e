import {defineConfig} from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // fails the run when a test leaves a file in the work tree
    globalSetup: ["test/helpers/worktree-guard.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // most of the slow tests wait on child processes, Chromium or the SLURM daemons rather than the CPU:
    // four workers on the 2-core machines end the suite in about 3 minutes instead of 6
    maxWorkers: 4
  }
});
