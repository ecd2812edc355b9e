/**
 * Memory benchmark (issue 7): a 2 GB console log and a 20M-row prediction file must be streamed (the log
 * line by line, the CSV by DuckDB), not held in memory. Generates both straight to disk, then ingests each
 * alone and both together, each in a fresh process (bench/measure.ts), and prints wall time and peak RSS.
 *
 *   node --import tsx bench/memory.ts [--log-gib 2] [--rows 20000000] [--dir bench/out/memory] [--keep] [--only CASE]
 *
 * Not a test: it writes ~4.5 GB and takes minutes.
 */
import {execa} from "execa";
import {mkdir, open, rm, stat, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import {stringify} from "yaml";
import {openDatabase, queryRows} from "../engine/db/duckdb.ts";
import {consoleLogOf, lineOf, linesOf} from "../test/corpus/corpus.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const {values} = parseArgs({
  options: {
    "log-gib": {type: "string", default: "2"},
    rows: {type: "string", default: "20000000"},
    dir: {type: "string", default: path.join(root, "bench", "out", "memory")},
    keep: {type: "boolean", default: false},
    // e.g. --only predictions-only: one case of log-only, predictions-only, both
    only: {type: "string"}
  }
});
const logBytes = Math.round(Number(values["log-gib"]) * 2 ** 30);
const rows = Number(values.rows);
const dir = path.resolve(values.dir!);

/** Appends text to a file in large writes, so the whole file never exists as one string. */
class Sink {
  private parts: string[] = [];
  private size = 0;
  written = 0;
  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}
  static async create(file: string): Promise<Sink> {
    await mkdir(path.dirname(file), {recursive: true});
    return new Sink(await open(file, "w"));
  }
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 8 << 20) await this.flush();
  }
  private async flush(): Promise<void> {
    const buffer = Buffer.from(this.parts.join(""), "utf8");
    await this.handle.write(buffer);
    this.written += buffer.length;
    this.parts = [];
    this.size = 0;
  }
  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

/**
 * The 2-GPU Phase 10 capture with `bytes` of filler inside the ESM-2 stage: what a long, verbose run
 * produces: DEBUG records, tqdm redraws joined by `\r`, unprefixed warnings. The summary still closes it.
 */
async function writeBigLog(file: string, bytes: number): Promise<void> {
  const skeleton = consoleLogOf("2gpu");
  const lines = linesOf(skeleton);
  const at = lineOf(skeleton, "=== Stage 6: ESM-2 Feature Extraction ===");
  const head = lines.slice(0, at).join("\n") + "\n";
  const tail = lines.slice(at).join("\n") + "\n";
  const block: string[] = [];
  for (let k = 0; k < 2000; k++) {
    block.push(`2026-02-09 11:30:${String(k % 60).padStart(2, "0")} - virnucpro.pipeline.prediction - DEBUG - Converting batch ${k} of output_${k % 80}.fa to HDF5`);
    if (k % 10 === 0) {
      const bars = Array.from({length: 20}, (_, i) => `Merging features: ${String(i * 5).padStart(3)}%|${"█".repeat(i)}${" ".repeat(20 - i)}| ${i * 4}/80 [00:${String(i).padStart(2, "0")}<00:40, 2.00file/s]`);
      block.push(bars.join("\r"));
    }
    if (k % 100 === 0) block.push("/opt/conda/lib/python3.11/site-packages/h5py/_hl/dataset.py:311: UserWarning: chunk cache is full");
  }
  const filler = block.join("\n") + "\n";
  const sink = await Sink.create(file);
  await sink.write(head);
  const fillerBytes = Buffer.byteLength(filler);
  const target = bytes - Buffer.byteLength(head) - Buffer.byteLength(tail);
  for (let written = 0; written + fillerBytes <= target; written += fillerBytes) await sink.write(filler);
  await sink.write(tail);
  await sink.close();
}

/** xorshift32: cheap deterministic scores */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const FRAMES = ["F1", "F2", "F3", "R1", "R2", "R3"];

async function writePredictions(folder: string, perFrameRows: number): Promise<void> {
  const random = rng(20);
  const perFrame = await Sink.create(path.join(folder, "prediction_results.txt"));
  const consensus = await Sink.create(path.join(folder, "prediction_results_highestscore.csv"));
  await perFrame.write("Sequence_ID\tPrediction\tscore1\tscore2\n");
  await consensus.write("Modified_ID\tIs_Virus\tmax_score_0\tmax_score_1\n");
  let chunk = 0;
  let frames: string[] = [];
  let consensusRows: string[] = [];
  let max0 = 0;
  let max1 = 0;
  let inChunk = 0;
  const flushChunk = () => {
    consensusRows.push(`HLWLWDRX5.1.${chunk}_chunk_1\t${max1 >= max0 ? "True" : "False"}\t${max0}\t${max1}\n`);
    chunk++;
    max0 = 0;
    max1 = 0;
    inChunk = 0;
  };
  for (let i = 0; i < perFrameRows; i++) {
    const virus = random();
    const others = 1 - virus;
    frames.push(`HLWLWDRX5.1.${chunk}_chunk_1${FRAMES[inChunk]}\t${virus > others ? "virus" : "others"}\t${others}\t${virus}\n`);
    max0 = Math.max(max0, others);
    max1 = Math.max(max1, virus);
    inChunk++;
    // 0-6 frames per chunk; about 1.32 on average, as in Phase 10
    if (inChunk === 6 || random() < 0.757) flushChunk();
    if (frames.length >= 100_000) {
      await perFrame.write(frames.join(""));
      frames = [];
    }
    if (consensusRows.length >= 100_000) {
      await consensus.write(consensusRows.join(""));
      consensusRows = [];
    }
  }
  if (inChunk > 0) flushChunk();
  await perFrame.write(frames.join(""));
  await consensus.write(consensusRows.join(""));
  await perFrame.close();
  await consensus.close();
}

interface Measure {
  step: string;
  seconds: number;
  maxRssMiB: number;
}

async function study(name: string, run: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, stringify({release: name, title: `memory benchmark: ${name}`, pipeline: "virnucpro", runs: [{id: "big", gpus: 2, ...run}]}));
  return file;
}

async function measure(studyFile: string): Promise<Measure> {
  const {stdout} = await execa("node", ["--import", "tsx", path.join(root, "bench", "measure.ts"), "ingest", studyFile], {cwd: root});
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

/** What the ingest made of the inputs: a measurement of a refused file would be meaningless. */
async function outcome(name: string): Promise<string> {
  const db = await openDatabase(path.join(dir, ".benchbook", `${name}.duckdb`), {readOnly: true});
  try {
    const [run] = await queryRows<{status: string; total_seconds: number | null}>(db.connection, "SELECT status, total_seconds FROM runs WHERE run_id = 'big'");
    const [rows] = await queryRows<{n: number}>(db.connection, "SELECT coalesce(sum(rows), 0)::INTEGER AS n FROM artifacts WHERE kind = 'predictions_frame'");
    const errors = await queryRows<{code: string}>(db.connection, "SELECT DISTINCT code FROM findings WHERE severity = 'error' ORDER BY 1");
    return `status ${run!.status}, total ${run!.total_seconds ?? "n/a"} s, ${rows!.n.toLocaleString("en-US")} per-frame rows, errors: ${errors.map((e) => e.code).join(", ") || "none"}`;
  } finally {
    db.close();
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

await rm(dir, {recursive: true, force: true});
await mkdir(dir, {recursive: true});
let t = performance.now();
const logFile = path.join(dir, "runs", "big", "console.log");
await writeBigLog(logFile, logBytes);
console.log(`wrote ${mib((await stat(logFile)).size)} console log in ${((performance.now() - t) / 1000).toFixed(1)} s`);
t = performance.now();
const merged = path.join(dir, "runs", "big", "out", "big_merged");
await writePredictions(merged, rows);
console.log(
  `wrote ${rows.toLocaleString("en-US")} per-frame rows (${mib((await stat(path.join(merged, "prediction_results.txt"))).size)}) and their consensus (${mib(
    (await stat(path.join(merged, "prediction_results_highestscore.csv"))).size
  )}) in ${((performance.now() - t) / 1000).toFixed(1)} s`
);

const cases: Array<[string, Record<string, unknown>]> = [
  ["log-only", {log: "runs/big/console.log"}],
  ["predictions-only", {outputs: "runs/big/out"}],
  ["both", {log: "runs/big/console.log", outputs: "runs/big/out"}]
];
for (const [name, run] of cases) {
  if (values.only && values.only !== name) continue;
  const m = await measure(await study(name, run));
  console.log(`ingest ${name.padEnd(17)} ${m.seconds.toFixed(1).padStart(7)} s  ${m.maxRssMiB.toFixed(0).padStart(6)} MiB peak RSS   ${await outcome(name)}`);
}
if (!values.keep) await rm(dir, {recursive: true, force: true});
