/**
 * Child process of integrity.test.ts: a --force rebuild that dies (exit without cleanup, as kill -9
 * would) between moving the old release aside and moving the new one in.
 * Usage: node --import tsx crash-force.ts <archive> <dbDir> <study.yaml>
 */
import {mkdir, writeFile} from "node:fs/promises";
import path from "node:path";
import {buildArchive} from "../../../engine/archive/build.ts";

const [archive, dbDir, study] = process.argv.slice(2) as [string, string, string];
await buildArchive([study], {
  archive,
  dbDir,
  force: true,
  siteBuilder: async ({outDir}) => {
    await mkdir(outDir, {recursive: true});
    await writeFile(path.join(outDir, "index.html"), "<html><body><main><h1>new build</h1></main></body></html>");
  },
  betweenSwapRenames: () => process.exit(9)
});
