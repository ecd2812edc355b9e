// GPU & throughput page: the Report's GPU, throughput and packing figures plus binned series for charts.
// What it holds: engine/site/page-data.ts; how it is produced: engine/site/loader.js.
import {emitPageFile} from "../../engine/site/loader.js";

await emitPageFile("gpu.json");
