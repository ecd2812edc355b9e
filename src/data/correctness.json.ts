// Correctness page: agreement per run and level, plus the worst mismatching rows of each (capped: the
// complete list is data/mismatches.csv.gz, fetched only when the reader asks for it).
import {loadSiteReport, withSiteDatabase, writeJson} from "../../engine/site/data.ts";
import {correctnessPage} from "../../engine/site/pages.ts";
import {topMismatches} from "../../engine/metrics/series.ts";

const LIMIT = 500;
const report = await loadSiteReport();
const mismatches = await withSiteDatabase((connection) => topMismatches(connection, {limit: LIMIT}));
await writeJson(correctnessPage(report, mismatches, LIMIT));
