// Runs page: configuration, command, hardware, artifacts with checksums and findings of every run.
import {loadSiteReport, writeJson} from "../../loaders/site/data.ts";
import {runsPage} from "../../loaders/site/pages.ts";

await writeJson(runsPage(await loadSiteReport()));
