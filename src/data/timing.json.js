// Timing & scaling page.
// What it holds: engine/site/page-data.ts; how it is produced: engine/site/loader.js.
import {emitPageFile} from "../../engine/site/loader.js";

await emitPageFile("timing.json");
