// Runs page: configuration, command, hardware, artifacts with checksums and findings of every run.
import {loadSiteReport, writeJson} from "../../engine/site/data.ts";
import {runsPage} from "../../engine/site/pages.ts";

await writeJson(runsPage(await loadSiteReport()));
