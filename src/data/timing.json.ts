// Timing & scaling page: per-stage times of every run, scaling pairs with Amdahl (and its curve) and what-ifs.
import {loadSiteReport, withSiteDatabase, writeJson} from "../../loaders/site/data.ts";
import {timingPage} from "../../loaders/site/pages.ts";
import {amdahlCurve} from "../../loaders/metrics/series.ts";

const report = await loadSiteReport();
const curve = await withSiteDatabase((connection) => amdahlCurve(connection));
await writeJson(timingPage(report, curve));
