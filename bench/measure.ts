/**
 * Child process for the benchmark: runs one step and prints its wall time and peak RSS as JSON, so each
 * measurement starts from a fresh process (peak memory is per process).
 *   ingest <study>          fresh ingest
 *   report <study>          report JSON (ingesting first when the database is missing or stale)
 *   read <file>...          bare DuckDB read_csv of the files into in-memory tables: the floor for ingest
 *   site <study> <outDir>   site build from the ingested database
 */
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {reportForStudy} from "../engine/report/from-study.ts";

const [step, ...args] = process.argv.slice(2);
const start = performance.now();
if (step === "ingest") await ingestStudy(args[0]!, {force: true});
else if (step === "report") JSON.stringify(await reportForStudy(args[0]!));
else if (step === "read") {
  const {openDatabase} = await import("../engine/db/duckdb.ts");
  const db = await openDatabase(":memory:");
  for (const [i, file] of args.entries()) {
    await db.connection.run(`CREATE TABLE t${i} AS SELECT * FROM read_csv('${file.replaceAll("'", "''")}', delim='\t', header=true)`);
  }
  db.close();
} else if (step === "site") {
  const {ingestStudy: ingest} = await import("../engine/ingest/ingest.ts");
  const {buildSite} = await import("../engine/site/build.ts");
  const {dbFile} = await ingest(args[0]!);
  const t = performance.now();
  await buildSite({dbFile, studyFile: args[0]!, outDir: args[1]!});
  const seconds = (performance.now() - t) / 1000;
  process.stdout.write(JSON.stringify({step, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024}) + "\n");
  process.exit(0);
} else throw new Error(`unknown step ${step}`);
const seconds = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({step, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024}) + "\n");
