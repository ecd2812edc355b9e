#!/usr/bin/env node
// Precompiles the CLI (commands/cli.ts and everything it imports from this repo) into ES modules,
// dist-cli/cli.js and its lazily loaded chunks, so `benchbook` starts without transpiling TypeScript on every run. npm runs it as
// `prepare` (after `npm ci` / `npm install` in a clone); bin/benchbook.js uses the bundle only while it
// is fresh (no input newer than it, per dist-cli/inputs.json) and falls back to tsx otherwise, so a
// missing or stale build is never run. The pure-JS packages the CLI imports (DuckDB's API wrapper, yaml, zod,
// execa) are bundled too: loading them module by module from node_modules was half of every command's
// start-up (`benchbook --help` 0.60 -> 0.39 s, a report from an ingested database 1.05 -> 0.80 s here). What
// cannot be bundled stays external: DuckDB's native binding, Framework (run as its own process), esbuild, tsx.
// import.meta.url of each bundled file is rewritten to that file's own URL, so the paths it resolves
// (package.json, the Framework binary, the site root) are the same as when run from source.
import {mkdir, readFile, rename, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = path.join(root, "dist-cli");

const ownImportMetaUrl = {
  name: "own-import-meta-url",
  setup(build) {
    build.onLoad({filter: /\.ts$/}, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, "utf8");
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return {contents: source.replaceAll("import.meta.url", url), loader: "ts"};
    });
  }
};

try {
  const esbuild = await import("esbuild");
  const staging = `${outDir}.building-${process.pid}`;
  await rm(staging, {recursive: true, force: true});
  await mkdir(staging, {recursive: true});
  const result = await esbuild.build({
    absWorkingDir: root, // metafile input paths are relative to it
    entryPoints: [path.join(root, "commands", "cli.ts")],
    outdir: staging,
    entryNames: "[name]",
    // dynamic imports stay lazy (separate chunks): `benchbook --help` does not load DuckDB
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["@duckdb/node-bindings*", "@observablehq/framework", "esbuild", "tsx"],
    metafile: true,
    // the bundled CommonJS packages call require() (DuckDB's wrapper loads its native binding with it)
    banner: {js: "import {createRequire as __bbCreateRequire} from \"node:module\"; const require = __bbCreateRequire(import.meta.url);"},
    logLevel: "warning",
    plugins: [ownImportMetaUrl]
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.relative(root, path.resolve(root, p)));
  await writeFile(path.join(staging, "inputs.json"), JSON.stringify({inputs: [...inputs, "package.json", "package-lock.json"]}, null, 1) + "\n");
  await rm(outDir, {recursive: true, force: true});
  await rename(staging, outDir);
  console.log(`benchbook: precompiled the CLI into ${path.relative(process.cwd(), outDir) || "."}/cli.js (${inputs.length} files)`);
} catch (error) {
  // not fatal: bin/benchbook.js runs the sources through tsx without the bundle
  console.warn(`benchbook: CLI not precompiled (${error instanceof Error ? error.message : error}); the CLI runs from source through tsx`);
}
