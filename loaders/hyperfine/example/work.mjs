// A small CPU-bound job for the threads example: hash `items` strings `rounds` times each, split over
// `threads` worker threads. Usage: node work.mjs <threads> [items] [rounds] [timings.csv outputs.csv]
// With the two file arguments it also writes its stage timings (stage,start,end, local time) and its
// outputs (id,label,score), the tables a `pipeline: csv` study reads.
import {createHash} from "node:crypto";
import {writeFileSync} from "node:fs";
import {Worker, isMainThread, parentPort, workerData} from "node:worker_threads";

const work = (ids, rounds) =>
  ids.map((id) => {
    let h = Buffer.from(id);
    for (let r = 0; r < rounds; r++) h = createHash("sha256").update(h).digest();
    return {id, label: h[0] % 2 === 0 ? "even" : "odd", score: (h[1] / 255).toFixed(4)};
  });

if (!isMainThread) {
  parentPort.postMessage(work(workerData.ids, workerData.rounds));
} else {
  const [threads = "1", items = "64", rounds = "20000", timingsFile, outputsFile] = process.argv.slice(2);
  const local = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().replace("T", " ").replace("Z", "");
  const stages = [];
  const stage = async (name, fn) => {
    const start = new Date();
    const out = await fn();
    stages.push([name, local(start), local(new Date())]);
    return out;
  };
  const ids = await stage("prepare", () => Array.from({length: Number(items)}, (_, i) => `item-${String(i).padStart(4, "0")}`));
  const results = await stage("hash", () => {
    const n = Number(threads);
    const parts = Array.from({length: n}, (_, k) => ids.filter((_, i) => i % n === k));
    return Promise.all(parts.map((part) => new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), {workerData: {ids: part, rounds: Number(rounds)}});
      w.once("message", resolve);
      w.once("error", reject);
    }))).then((all) => all.flat().sort((a, b) => a.id.localeCompare(b.id)));
  });
  await stage("write", () => {
    if (outputsFile) writeFileSync(outputsFile, "id,label,score\n" + results.map((r) => `${r.id},${r.label},${r.score}`).join("\n") + "\n");
  });
  if (timingsFile) writeFileSync(timingsFile, "stage,start,end\n" + stages.map((s) => s.join(",")).join("\n") + "\n");
}
