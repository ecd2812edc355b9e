// Every mismatching row of every run and level, as gzip-compressed CSV written by DuckDB's COPY (a
// download, and an on-demand load on the Correctness page; never part of what a page loads up front).
// Compressed: at Phase 10 scale the list is ~800,000 rows, 143 MB as plain CSV.
import {createReadStream} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {pipeline} from "node:stream/promises";
import {withSiteDatabase} from "../../engine/site/data.ts";
import {copyAllMismatches} from "../../engine/metrics/series.ts";

const dir = await mkdtemp(path.join(os.tmpdir(), "benchbook-mismatches-"));
try {
  const file = path.join(dir, "mismatches.csv.gz");
  await withSiteDatabase((connection) => copyAllMismatches(connection, file));
  await pipeline(createReadStream(file), process.stdout);
} finally {
  await rm(dir, {recursive: true, force: true});
}
