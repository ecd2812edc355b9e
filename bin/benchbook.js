#!/usr/bin/env node
// Entry point for `npx benchbook`: registers tsx so the TypeScript sources run without a build step.
import {register} from "tsx/esm/api";
register();
const {main} = await import("../commands/cli.ts");
process.exitCode = await main(process.argv.slice(2));
