#!/usr/bin/env node
// Entry point for `npx benchbook`: registers tsx so the TypeScript sources run without a build step.
import {register} from "tsx/esm/api";
register();
// `benchbook check | head -1`: the reader went away; stop writing quietly and still exit with the command's code
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});
const {main} = await import("../commands/cli.ts");
process.exitCode = await main(process.argv.slice(2));
