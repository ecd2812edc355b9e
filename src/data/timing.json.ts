// Timing & scaling page: per-stage times of every run, scaling pairs with Amdahl and what-ifs.
import {loadSiteReport, writeJson} from "../../engine/site/data.ts";
import {timingPage} from "../../engine/site/pages.ts";

await writeJson(timingPage(await loadSiteReport()));
