/**
 * Child process for the benchmark: runs one step and prints its wall time and peak RSS as JSON, so each
 * measurement starts from a fresh process (peak memory is per process).
 */
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {reportForStudy} from "../engine/report/from-study.ts";

const [step, studyFile] = process.argv.slice(2);
const start = performance.now();
if (step === "ingest") await ingestStudy(studyFile!, {force: true});
else if (step === "report") JSON.stringify(await reportForStudy(studyFile!));
else throw new Error(`unknown step ${step}`);
const seconds = (performance.now() - start) / 1000;
process.stdout.write(JSON.stringify({step, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024}) + "\n");
