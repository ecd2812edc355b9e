/**
 * `npm run bench`: generates a Phase-10-scale study (2 runs + reference; 794,577 per-frame and 601,257
 * consensus rows each, full-length logs) and measures ingest and report time and peak memory, each in a
 * fresh process. Targets (issue 2/3): ingest < 10 s and < 2 GB; report from a fresh ingest < 15 s, from
 * an ingested database < 2 s, < 2 GB.
 */
import {execa} from "execa";
import {mkdir, rm} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {phase10Plan, writeStudy} from "../loaders/virnucpro/example/generate.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = path.join(root, "bench", "out", "phase10");
const only = process.argv.slice(2);

interface Measure {
  step: string;
  seconds: number;
  maxRssMiB: number;
}

async function measure(step: string, studyFile: string): Promise<Measure> {
  const {stdout} = await execa("node", ["--import", "tsx", path.join(root, "bench", "measure.ts"), step, studyFile], {cwd: root});
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

function line(label: string, m: Measure, target: string): void {
  console.log(`${label.padEnd(34)} ${m.seconds.toFixed(2).padStart(7)} s  ${m.maxRssMiB.toFixed(0).padStart(6)} MiB peak   (target ${target})`);
}

if (only.length === 0 || only.includes("ingest")) {
  await rm(out, {recursive: true, force: true});
  await mkdir(out, {recursive: true});
  const t = performance.now();
  const {studyFile} = await writeStudy(out, phase10Plan({perFrameRows: 794_577}));
  console.log(`generated Phase-10-scale study in ${((performance.now() - t) / 1000).toFixed(1)} s: ${studyFile}`);
  const ingest = await measure("ingest", studyFile);
  line("ingest (fresh)", ingest, "< 10 s, < 2048 MiB");
  await rm(path.join(out, ".benchbook"), {recursive: true, force: true});
  const reportFresh = await measure("report", studyFile);
  line("report --format json (fresh ingest)", reportFresh, "< 15 s, < 2048 MiB");
  const reportWarm = await measure("report", studyFile);
  line("report --format json (ingested)", reportWarm, "< 2 s, < 2048 MiB");
}
