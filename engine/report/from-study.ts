/**
 * The one road from a study file to its report: ingest when the inputs changed, then read the figures
 * and judge the criteria. Every output (text, JSON, Markdown, pages, archive) starts from its result.
 */
import path from "node:path";
import {adapters} from "../../loaders/index.ts";
import {openDatabase} from "../db/duckdb.ts";
import {checkDatabase, defaultDbFile, ingestStudy} from "../ingest/ingest.ts";
import {loadStudy, type Study} from "../study.ts";
import {buildReport} from "./report.ts";
import type {Report} from "./types.ts";

export interface StudyReport {
  report: Report;
  study: Study;
  dbFile: string;
}

export async function studyReport(studyFile: string, options: {db?: string} = {}): Promise<StudyReport> {
  const study = await loadStudy(studyFile, adapters);
  const dbFile = path.resolve(options.db ?? defaultDbFile(study));
  // the database the report reads is the one found up to date, or the one ingest then builds
  const check = await checkDatabase(study, dbFile);
  let db = check.current;
  if (!db) {
    await ingestStudy(study, {dbFile, checked: check});
    db = await openDatabase(dbFile, {readOnly: true});
  }
  try {
    return {report: await buildReport(db.connection, {criteria: study.criteria}), study, dbFile};
  } finally {
    db.close();
  }
}

export async function reportForStudy(studyFile: string, options: {db?: string} = {}): Promise<Report> {
  return (await studyReport(studyFile, options)).report;
}
