/**
 * The site's pages format figures in the browser with the reports' own formatter. Framework serves only
 * files under its page root, so engine/render/format.ts (dependency-free, browser-safe) is written
 * into the root as components/format.js, its types stripped by esbuild (Framework's own transpiler).
 * Builds write it into their private copy of the pages; `benchbook dev` into src/, where it is ignored
 * by git: it is never a hand-kept second copy.
 */
import {mkdir, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";

export const FORMAT_SOURCE = fileURLToPath(new URL("../render/format.ts", import.meta.url));
/** where the pages import it from: `import {pct} from "./components/format.js"` */
export const BROWSER_FORMAT_FILE = path.join("components", "format.js");

export async function browserFormat(): Promise<string> {
  const {transform} = await import("esbuild");
  const source = await readFile(FORMAT_SOURCE, "utf8");
  const {code} = await transform(source, {loader: "ts", format: "esm", target: "es2020", sourcefile: "engine/render/format.ts"});
  return `// Generated from engine/render/format.ts by benchbook (engine/site/browser-format.ts): edit that file, not this one.\n${code}`;
}

/** Write components/format.js into a page root; returns the file written. */
export async function writeBrowserFormat(siteRoot: string): Promise<string> {
  const file = path.join(siteRoot, BROWSER_FORMAT_FILE);
  await mkdir(path.dirname(file), {recursive: true});
  await writeFile(file, await browserFormat());
  return file;
}
