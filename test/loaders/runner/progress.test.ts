import {describe, expect, it} from "vitest";
import {createDisplay} from "../../../loaders/runner/display.ts";
import {formatElapsed, formatProgress, ProgressTracker} from "../../../loaders/runner/progress.ts";

const MAIN = "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO - ";
const W1 = "2026-02-09 16:40:12,345 - Worker 1 - virnucpro.pipeline.async_inference - INFO - ";
const W0 = "2026-02-09 16:40:12,350 - Worker 0 - virnucpro.pipeline.async_inference - INFO - ";

describe("ProgressTracker", () => {
  it("follows stage banners, also when a banner arrives split over chunks", () => {
    const t = new ProgressTracker();
    expect(t.push(`${MAIN}=== Stage 5: DNABERT-S Fea`)).toBe(false);
    expect(t.state.stage).toBeNull();
    expect(t.push("ture Extraction ===\n")).toBe(true);
    expect(t.state.stage).toEqual({order: 5, name: "DNABERT-S Feature Extraction"});
    t.push(`${MAIN}  DNABERT-S Feature Extraction completed in 501.9s [files: 80]\n`);
    expect(t.push(`${MAIN}=== Stage 1: Nucleotide File Splitting ===\n`)).toBe(true);
    expect(t.state.stage).toEqual({order: 1, name: "Nucleotide File Splitting"});
  });

  it("takes the last progress figure and ETA per worker, and forgets them at the next stage", () => {
    const t = new ProgressTracker();
    t.push(`${MAIN}=== Stage 6: ESM-2 Feature Extraction ===\n`);
    t.push(`${W1}Batch 100: 30000/397288 (7.6%) | 358.1% pack eff, 16,085 tok/s, 313.5 seq/s, ETA: 19.5m\n`);
    t.push(`${W0}Batch 1200: 343000/794577 (43.2%) | 358.1% pack eff, 16,474 tok/s, 321.0 seq/s, ETA: 23.4m\n`);
    t.push(`${W1}Batch 110: 33000/397288 (8.3%) | 358.1% pack eff, 16,085 tok/s, 313.5 seq/s, ETA: unknown\n`);
    // the DataLoader line of the same batch number is not a progress line
    t.push(`${W0}Batch 1210: wait=0.1ms, seqs=321, tokens=16371, queue_state=full\n`);
    expect(t.state.figures).toEqual([
      {source: "worker 1", figure: "33000/397288 (8.3%)", percent: 8.3, eta: null},
      {source: "worker 0", figure: "343000/794577 (43.2%)", percent: 43.2, eta: "23.4m"}
    ]);
    expect(formatProgress("2gpu", t.state, 3_725_000)).toBe(
      "2gpu 1:02:05 · stage 6 ESM-2 Feature Extraction · worker 1 33000/397288 (8.3%) · worker 0 343000/794577 (43.2%) ETA 23.4m"
    );
    t.push(`${MAIN}=== Stage 7: Feature Merging ===\n`);
    expect(t.state.figures).toEqual([]);
  });

  it("reads the unknown-length progress form", () => {
    const t = new ProgressTracker();
    t.push(`${W0}Batch 5: 1,200 sequences | 351.0% pack eff, 15,001 tok/s, 290.0 seq/s, ETA: 1.2h\n`);
    expect(t.state.figures).toEqual([{source: "worker 0", figure: "1,200 sequences", percent: null, eta: "1.2h"}]);
  });

  it("reads a live tqdm bar redrawn with \\r before its line ends, and a log record glued after it", () => {
    const t = new ProgressTracker();
    t.push("DNABERT-S extraction:   0%|          | 0/80 [00:00<?, ?file/s]\rDNABERT-S extraction:  25%|██▌       | 20/80 [02:05<06:15,  6.27s/file]");
    expect(t.state.figures).toEqual([{source: "DNABERT-S extraction", figure: "20/80 (25%)", percent: 25, eta: "06:15"}]);
    t.push(`\rDNABERT-S extraction:  50%|█████     | 40/80 [04:10<04:10,  6.27s/file]${MAIN}=== Stage 6: ESM-2 Feature Extraction ===\n`);
    expect(t.state.stage?.name).toBe("ESM-2 Feature Extraction");
  });

  it("takes the total wall time from the summary and notices the OOM block", () => {
    const t = new ProgressTracker();
    t.push(`${MAIN}PIPELINE SUMMARY\n${MAIN}Total wall time: 00:53:20 (3200.6s)\n`);
    expect(t.state.summarySeen).toBe(true);
    expect(t.state.totalSeconds).toBe(3200.6);
    expect(formatProgress("1gpu", t.state, 0)).toBe("1gpu 0:00:00 · summary");
    t.push("2026-02-09 00:33:05 - virnucpro.pipeline.prediction - ERROR - OUT OF MEMORY ERROR");
    expect(t.state.outOfMemory).toBe(false); // not a whole line yet
    t.end();
    expect(t.state.outOfMemory).toBe(true);
  });

  it("keeps multi-byte characters whole across chunk boundaries", () => {
    const t = new ProgressTracker();
    const bytes = Buffer.from(`${MAIN}=== Stage 2: Six-Frame Translation ✓ ===\n`);
    const cut = bytes.indexOf(0x9c); // inside the three bytes of ✓
    t.push(bytes.subarray(0, cut));
    t.push(bytes.subarray(cut));
    expect(t.state.stage?.name).toBe("Six-Frame Translation ✓");
  });

  it("formats elapsed time as h:mm:ss", () => {
    expect(formatElapsed(0)).toBe("0:00:00");
    expect(formatElapsed(3_599_999)).toBe("0:59:59");
    expect(formatElapsed(36_000_000)).toBe("10:00:00");
  });
});

class Sink {
  text = "";
  write(chunk: string | Buffer): boolean {
    this.text += chunk.toString();
    return true;
  }
}

describe("display", () => {
  it("plain mode: output copied through, stage changes printed as lines, never inside a half-written line", () => {
    const sink = new Sink();
    const d = createDisplay(sink as unknown as NodeJS.WritableStream, {tty: false, plainIntervalMs: 60_000});
    d.output(Buffer.from("line one\npartial"));
    d.progress("1gpu 0:00:01 · stage 1 Sequence Chunking", true);
    expect(sink.text).toBe("line one\npartial");
    d.output(Buffer.from(" rest\n"));
    expect(sink.text).toBe("line one\npartial rest\n[benchbook] 1gpu 0:00:01 · stage 1 Sequence Chunking\n");
    d.progress("1gpu 0:00:02 · stage 1 Sequence Chunking", false); // not important, interval not over
    expect(sink.text).not.toContain("0:00:02");
    expect(sink.text).not.toContain("\x1b");
  });

  it("tty mode: the status line is erased before output and redrawn after it", () => {
    const sink = new Sink();
    const d = createDisplay(sink as unknown as NodeJS.WritableStream, {tty: true, plainIntervalMs: 0});
    d.progress("status A", false);
    d.output(Buffer.from("log line\n"));
    d.close();
    expect(sink.text).toBe("\r\x1b[2Kstatus A\r\x1b[2Klog line\n\r\x1b[2Kstatus A\r\x1b[2K");
  });
});
