// GPU & throughput page: the Report's GPU, throughput and packing figures plus binned series for charts.
import {loadSiteReport, withSiteDatabase, writeJson} from "../../engine/site/data.ts";
import {gpuPage} from "../../engine/site/pages.ts";
import {cumulativeSequences, gpuUtilizationSeries, ioMarks, packingBatches, stageWindows, utilizationHistogram} from "../../engine/metrics/series.ts";

const BIN_SECONDS = 10;
const report = await loadSiteReport();
const series = await withSiteDatabase(async (connection) => ({
  utilization: await gpuUtilizationSeries(connection, {binSeconds: BIN_SECONDS}),
  windows: await stageWindows(connection),
  histogram: await utilizationHistogram(connection),
  io_marks: await ioMarks(connection),
  packing_batches: await packingBatches(connection),
  cumulative: await cumulativeSequences(connection)
}));
await writeJson(gpuPage(report, series, BIN_SECONDS));
