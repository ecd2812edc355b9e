/**
 * Child process of long-line.test.ts: ingest a study and print its findings as JSON, so the test can
 * run ingest under a small V8 heap. Usage: node --import tsx ingest-child.ts <study.yaml> <db file>
 */
import {ingestStudy} from "../../../engine/ingest/ingest.ts";

const [study, dbFile] = process.argv.slice(2) as [string, string];
const result = await ingestStudy(study, {dbFile});
process.stdout.write(JSON.stringify(result.findings));
