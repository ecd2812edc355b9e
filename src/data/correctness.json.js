// Correctness page: agreement per run and level, plus the worst mismatching rows of each (capped: the complete list is the download mismatches.parquet).
// What it holds: engine/site/page-data.ts; how it is produced: engine/site/loader.js.
import {emitPageFile} from "../../engine/site/loader.js";

await emitPageFile("correctness.json");
