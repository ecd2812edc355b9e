/**
 * `benchbook dev <study.yaml> [--db FILE]`: live preview of one study's report site.
 *
 * Framework caches data-loader output by the loader's source, not by the database it read
 * (BENCHBOOK_DB), so a preview of study B after study A would serve A's figures: the loader cache is
 * cleared first (the bundled npm modules in `_node` stay; builds use their own copies of the pages).
 * The pages' formatter, components/format.js, is written from engine/render/format.ts first (ignored by git).
 */
import path from "node:path";
import {fileURLToPath} from "node:url";
import {clearLoaderCache, SITE_ROOT} from "../engine/site/build.ts";
import {writeBrowserFormat} from "../engine/site/browser-format.ts";
import {parseVerbArguments} from "./args.ts";
import {usageOf} from "./usage.ts";

export interface DevDeps {
  /** the Framework source root whose cache is cleared (default src/) */
  siteRoot?: string;
  /** starts the preview with these environment variables (default: `observable preview`) */
  launch?: (env: Record<string, string>) => Promise<void>;
}

export async function devCommand(argv: string[], _io?: unknown, deps: DevDeps = {}): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {usage: usageOf("dev"), options: {db: {type: "string"}}, positionals: {min: 1, max: 1, what: "study file"}});
  const {ingestStudy} = await import("../engine/ingest/ingest.ts");
  const {dbFile, study} = await ingestStudy(positionals[0]!, {dbFile: values.db});
  const siteRoot = deps.siteRoot ?? SITE_ROOT;
  await clearLoaderCache(path.join(siteRoot, ".observablehq", "cache"));
  await writeBrowserFormat(siteRoot);
  await (deps.launch ?? preview)({BENCHBOOK_DB: dbFile, BENCHBOOK_STUDY: study.file, OBSERVABLE_TELEMETRY_DISABLE: "1"});
  return 0;
}

async function preview(env: Record<string, string>): Promise<void> {
  const {execa} = await import("execa");
  const root = fileURLToPath(new URL("..", import.meta.url));
  await execa("node", [fileURLToPath(new URL("../node_modules/@observablehq/framework/dist/bin/observable.js", import.meta.url)), "preview"], {cwd: root, stdio: "inherit", env});
}
