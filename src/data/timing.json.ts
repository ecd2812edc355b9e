// Timing & scaling page: per-stage times of every run, scaling pairs with Amdahl and what-ifs.
import {loadSiteReport, writeJson} from "../../loaders/site/data.ts";
import {timingPage} from "../../loaders/site/pages.ts";

await writeJson(timingPage(await loadSiteReport()));
