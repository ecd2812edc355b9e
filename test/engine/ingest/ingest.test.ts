import {createHash} from "node:crypto";
import {cp, mkdir, readFile, rm, stat, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it, vi} from "vitest";
import {checkDatabase, defaultDbFile, ingestStudy} from "../../../engine/ingest/ingest.ts";
import {ContentDigests} from "../../../engine/artifacts.ts";
import {loadStudy} from "../../../engine/study.ts";
import {studyReport} from "../../../engine/report/from-study.ts";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {FIXTURES, useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();

/** A correctness-only study over the real upstream fixtures: refactored run vs vanilla reference. */
async function fixtureStudy(extra = ""): Promise<string> {
  const dir = await tmp();
  const file = path.join(dir, "study.yaml");
  await writeFile(
    file,
    `release: fixtures
title: Refactored vs vanilla on the upstream test data
pipeline: virnucpro
reference:
  label: vanilla
  outputs: ${path.join(FIXTURES, "reference_vanilla_output")}
runs:
  - id: refactored
    gpus: 1
    outputs: ${path.join(FIXTURES, "test_with_orfs_refactored")}
${extra}`
  );
  return file;
}

/** A study over copies of the upstream fixtures (vanilla reference, 500 bp refactored run), free to edit. */
async function copiedStudy(): Promise<{dir: string; studyFile: string}> {
  const dir = await tmp();
  await cp(path.join(FIXTURES, "reference_vanilla_output"), path.join(dir, "ref"), {recursive: true});
  await cp(path.join(FIXTURES, "test_fixed_500bp_refactored"), path.join(dir, "run"), {recursive: true});
  const studyFile = path.join(dir, "study.yaml");
  await writeFile(studyFile, "release: r1\ntitle: t\npipeline: virnucpro\nreference: {label: v, outputs: ref}\nruns:\n  - {id: a, gpus: 1, outputs: run}\n");
  return {dir, studyFile};
}

async function rows<T = Record<string, unknown>>(dbFile: string, sql: string): Promise<T[]> {
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await queryRows<T>(db.connection, sql);
  } finally {
    db.close();
  }
}

describe("ingest of a study made from the real upstream fixtures", () => {
  it("loads both sides' predictions, the run's pipeline_state and records what is absent as findings", async () => {
    const studyFile = await fixtureStudy();
    const result = await ingestStudy(studyFile);
    expect(result.ingested).toBe(true);
    expect(result.dbFile).toBe(path.join(path.dirname(studyFile), ".benchbook", "fixtures.duckdb"));
    // the database keeps the comparison, not the rows: each side's count per level is in it
    expect(await rows(result.dbFile, "SELECT run_id, level, reference_rows, run_rows, compared FROM correctness_counts ORDER BY level")).toEqual([
      {run_id: "refactored", level: "consensus", reference_rows: 2, run_rows: 2, compared: 2},
      {run_id: "refactored", level: "per_frame", reference_rows: 4, run_rows: 4, compared: 4}
    ]);
    expect(await rows(result.dbFile, "SELECT (SELECT count(*) FROM predictions_frame)::INTEGER AS frames, (SELECT count(*) FROM predictions_consensus)::INTEGER AS consensus")).toEqual([{frames: 0, consensus: 0}]);
    const runs = await rows(result.dbFile, "SELECT run_id, role, status, model_path, expected_length, model_source FROM runs ORDER BY ord");
    expect(runs).toEqual([
      {run_id: "refactored", role: "run", status: "no_log", model_path: "500_model.pth", expected_length: 500, model_source: "pipeline_state"},
      {run_id: "reference", role: "reference", status: "no_log", model_path: null, expected_length: null, model_source: null}
    ]);
    expect(await rows(result.dbFile, "SELECT stage, duration_seconds FROM checkpoint_stages WHERE stage LIKE '%FEATURES' ORDER BY 1")).toEqual([
      {stage: "NUCLEOTIDE_FEATURES", duration_seconds: 1.648274},
      {stage: "PROTEIN_FEATURES", duration_seconds: 14.936694}
    ]);
    const codes = result.findings.map((f) => `${f.run_id}:${f.code}`);
    expect(codes).toContain("refactored:artifact_not_given"); // no console log: timing has no data
    expect(codes).toContain("reference:reference_model_unknown");
    const artifacts = await rows<{kind: string; sha256: string; rows: number}>(result.dbFile, "SELECT kind, sha256, rows::INTEGER AS rows FROM artifacts WHERE run_id = 'reference' ORDER BY kind");
    expect(artifacts.map((a) => [a.kind, a.rows])).toEqual([["predictions_consensus", 2], ["predictions_frame", 4]]);
    expect(artifacts[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is a no-op when nothing changed, and rebuilds when an input changes", async () => {
    const {dir, studyFile} = await copiedStudy();
    const first = await ingestStudy(studyFile);
    const before = (await stat(first.dbFile)).mtimeMs;
    const second = await ingestStudy(studyFile);
    expect(second.ingested).toBe(false);
    expect((await stat(first.dbFile)).mtimeMs).toBe(before);
    const perFrame = path.join(dir, "ref", "prediction_results.txt");
    await writeFile(perFrame, (await readFile(perFrame, "utf8")).replace("0.12100612", "0.22100612"));
    const third = await ingestStudy(studyFile);
    expect(third.ingested).toBe(true);
    // the rows are not kept: the artifact's checksum shows that the changed file was read
    const sha256 = createHash("sha256").update(await readFile(perFrame)).digest("hex");
    expect(await rows(third.dbFile, "SELECT sha256 FROM artifacts WHERE run_id = 'reference' AND kind = 'predictions_frame'")).toEqual([{sha256}]);
  });

  it("a broken artifact is a finding with file and line; the other runs still load", async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, "bad", "x_merged"), {recursive: true});
    await writeFile(path.join(dir, "bad", "x_merged", "prediction_results.txt"), "Sequence_ID\tPrediction\tscore1\tscore2\na\tvirus\t0.1\t0.9\na\tvirus\t0.1\t0.9\n");
    await writeFile(path.join(dir, "bad", "x_merged", "prediction_results_highestscore.csv"), "Modified_ID\tIs_Virus\n");
    const studyFile = await fixtureStudy(`  - id: broken\n    gpus: 2\n    outputs: ${path.join(dir, "bad")}\n  - id: absent\n    gpus: 2\n    outputs: ${path.join(dir, "nope")}\n`);
    const result = await ingestStudy(studyFile);
    const broken = result.findings.filter((f) => f.run_id === "broken" && f.severity === "error");
    expect(broken.map((f) => [f.code, f.line])).toEqual([
      ["artifact_unreadable", 3],
      ["empty_predictions", 2]
    ]);
    expect(broken[0]!.message).toContain('duplicate Sequence_ID "a"');
    expect(broken[0]!.file).toBe(path.join(dir, "bad", "x_merged", "prediction_results.txt"));
    expect(result.findings.some((f) => f.run_id === "absent" && f.code === "missing_artifact")).toBe(true);
    expect(await rows(result.dbFile, "SELECT run_id, rows::INTEGER AS n FROM artifacts WHERE kind = 'predictions_frame' ORDER BY 1")).toEqual([
      {run_id: "refactored", n: 4},
      {run_id: "reference", n: 4}
    ]);
    expect(await rows(result.dbFile, "SELECT DISTINCT run_id FROM correctness_counts")).toEqual([{run_id: "refactored"}]);
  });

  it("a failed ingest leaves the previous database in place", async () => {
    const studyFile = await fixtureStudy();
    const first = await ingestStudy(studyFile);
    const before = await readFile(first.dbFile);
    // An invalid study now: ingest refuses before touching the database.
    await writeFile(studyFile, (await readFile(studyFile, "utf8")).replace("gpus: 1", "gpus: zero"));
    await expect(ingestStudy(studyFile)).rejects.toThrow(/gpus/);
    expect(Buffer.compare(await readFile(first.dbFile), before)).toBe(0);
  });

  it("the fingerprint and the artifact rows share one read of each prediction file, also when a report re-ingests a stale database", async () => {
    const {dir, studyFile} = await copiedStudy();
    const predictionFiles = [path.join(dir, "ref"), path.join(dir, "run", "test_fixed_500bp_merged")].flatMap((folder) =>
      ["prediction_results.txt", "prediction_results_highestscore.csv"].map((name) => path.join(folder, name))
    );
    const asked = vi.spyOn(ContentDigests.prototype, "of");
    // per file: how often its digest was asked for, and by how many ContentDigests (each reads once)
    const askers = () =>
      predictionFiles.map((file) => {
        const calls = asked.mock.calls.flatMap(([f], i) => (path.resolve(f) === file ? [asked.mock.contexts[i]] : []));
        return {file, asks: calls.length, digests: new Set(calls).size};
      });
    try {
      await ingestStudy(studyFile, {force: true});
      // the fingerprint's ask and the adapter's, answered by one object
      for (const a of askers()) expect(a).toEqual({file: a.file, asks: 2, digests: 1});
      const perFrame = predictionFiles[2]!;
      await writeFile(perFrame, (await readFile(perFrame, "utf8")).replace("0.2181767076253891", "0.2181767076253892"));
      asked.mockClear();
      await studyReport(studyFile);
      // the check reads the edited file (the others keep their stored hashes) and the ingest that follows
      // records that read instead of reading again
      expect(askers().find((a) => a.file === perFrame)).toEqual({file: perFrame, asks: 2, digests: 1});
    } finally {
      asked.mockRestore();
    }
  });

  it("checkDatabase opens an up-to-date database read-only, and nothing else; a report re-ingests a stale one with the check's fingerprint", async () => {
    const {dir, studyFile} = await copiedStudy();
    const study = await loadStudy(studyFile);
    const dbFile = defaultDbFile(study);
    const current = async () => {
      const check = await checkDatabase(study, dbFile);
      check.current?.close();
      return check;
    };
    expect(await current()).toMatchObject({current: null, fingerprint: null, findings: []}); // no database yet
    const ingested = await ingestStudy(studyFile);
    const check = await checkDatabase(study, dbFile);
    expect(check.current).not.toBeNull();
    try {
      await expect(check.current!.connection.run("CREATE TABLE x (a INTEGER)")).rejects.toThrow(/read-only/);
    } finally {
      check.current!.close();
    }
    expect(check.findings).toEqual(ingested.findings);
    // the run's per-frame file as the report lists it
    const listed = async () => (await studyReport(studyFile)).report.runs.find((r) => r.id === "a")!.artifacts.find((a) => a.kind === "predictions_frame")!;
    const before = await listed();
    // an input edited after the ingest: stale, with the new inputs' fingerprint, which the re-ingest stores
    const perFrame = path.join(dir, "run", "test_fixed_500bp_merged", "prediction_results.txt");
    await writeFile(perFrame, (await readFile(perFrame, "utf8")).replace("0.2181767076253891", "0.2181767076253892"));
    const stale = await current();
    expect(stale.current).toBeNull();
    expect(stale.fingerprint!.digest).not.toBe(check.fingerprint!.digest);
    const after = await listed();
    expect(after.sha256).toBe(createHash("sha256").update(await readFile(perFrame)).digest("hex"));
    expect(after.sha256).not.toBe(before.sha256);
    // the fingerprint stores the digest the artifact row records (one algorithm, so one read can serve both)
    expect(await rows(dbFile, `SELECT sha256 FROM file_hashes WHERE path = '${perFrame}'`)).toEqual([{sha256: after.sha256}]);
    expect(await rows(dbFile, "SELECT value FROM meta WHERE key = 'fingerprint'")).toEqual([{value: stale.fingerprint!.digest}]);
    expect((await current()).current).not.toBeNull();
    // ingest stores the fingerprint it is handed rather than hashing the inputs again (and a wrong one can
    // only make the next check stale, never current)
    // the same for the files the check read: their artifact rows take the check's digest
    class HandedOn extends ContentDigests {
      override of(file: string) {
        return file === perFrame ? Promise.resolve({sha256: "f".repeat(64), bytes: 1}) : super.of(file);
      }
    }
    await ingestStudy(study, {dbFile, checked: {current: null, fingerprint: {digest: "handed-on", files: []}, findings: [], digests: new HandedOn()}});
    expect(await rows(dbFile, "SELECT value FROM meta WHERE key = 'fingerprint'")).toEqual([{value: "handed-on"}]);
    expect(await rows(dbFile, `SELECT sha256, bytes::INTEGER AS bytes FROM artifacts WHERE path = '${perFrame}'`)).toEqual([{sha256: "f".repeat(64), bytes: 1}]);
    expect((await current()).current).toBeNull();
    // another study's database at that path, a corrupt file, a folder: not current, never an exception
    const other = await fixtureStudy();
    await cp((await ingestStudy(other)).dbFile, dbFile);
    expect((await current()).current).toBeNull();
    await writeFile(dbFile, "not a database");
    expect(await current()).toMatchObject({current: null, fingerprint: null, findings: []});
    await rm(dbFile);
    await mkdir(dbFile);
    expect(await current()).toMatchObject({current: null, fingerprint: null, findings: []});
    await expect(studyReport(studyFile)).rejects.toThrow(/is not a file/);
  });
});
