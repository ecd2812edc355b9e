#!/usr/bin/env node
// Entry point for `npx benchbook`. Runs the precompiled CLI (dist-cli/cli.js, built by `npm run
// build:cli`, which npm runs as `prepare` after `npm ci`) when it is fresh: every file it was built from
// is older than it. Otherwise, or with BENCHBOOK_FROM_SOURCE=1, it registers tsx and runs the TypeScript
// sources, so an edited checkout never runs a stale build.
import {readFileSync, statSync} from "node:fs";
import {fileURLToPath} from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function freshBundle() {
  if (process.env.BENCHBOOK_FROM_SOURCE) return null;
  try {
    const bundle = `${root}dist-cli/cli.js`;
    const built = statSync(bundle).mtimeMs;
    const {inputs} = JSON.parse(readFileSync(`${root}dist-cli/inputs.json`, "utf8"));
    for (const input of inputs) if (statSync(`${root}${input}`).mtimeMs > built) return null;
    return bundle;
  } catch {
    return null; // no build, or an input is gone: run from source
  }
}

// `benchbook check | head -1`: the reader went away; stop writing quietly and still exit with the command's code
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});

const bundle = freshBundle();
let main;
if (bundle) ({main} = await import(bundle));
else {
  const {register} = await import("tsx/esm/api");
  register();
  ({main} = await import("../commands/cli.ts"));
}
process.exitCode = await main(process.argv.slice(2));
