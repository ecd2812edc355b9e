// The body of every site data loader (src/data/*.js), plain JavaScript so that it starts without tsx:
// during `benchbook build` it copies the file buildSite already computed (BENCHBOOK_DATA_DIR, see
// page-data.ts); under `benchbook dev` it registers tsx and computes the file from the database.
import {createReadStream} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {pipeline} from "node:stream/promises";

export async function emitPageFile(name) {
  const precomputed = process.env.BENCHBOOK_DATA_DIR;
  if (precomputed) {
    await pipeline(createReadStream(path.join(precomputed, name)), process.stdout);
    return;
  }
  const {register} = await import("tsx/esm/api");
  register();
  const {loadSiteReport, withSiteDatabase} = await import("./data.ts");
  const {writePageFile} = await import("./page-data.ts");
  const report = await loadSiteReport();
  const dir = await mkdtemp(path.join(os.tmpdir(), "benchbook-page-"));
  try {
    const file = await withSiteDatabase((connection) => writePageFile(name, report, connection, dir));
    await pipeline(createReadStream(file), process.stdout);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
}
