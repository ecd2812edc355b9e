// Every mismatching row of every run and level, as CSV: a download (and an on-demand load on the
// Correctness page), never part of what a page loads up front.
import {withSiteDatabase} from "../../engine/site/data.ts";
import {allMismatches} from "../../engine/metrics/series.ts";
import {toCsv} from "../../engine/site/csv.ts";

const rows = await withSiteDatabase((connection) => allMismatches(connection));
process.stdout.write(toCsv(rows, ["run", "level", "rank", "id", "reference_label", "run_label", "reference_virus", "run_virus", "diff", "label_mismatch"]));
