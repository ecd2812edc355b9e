// Overview page: criteria scoreboard, headline figures with their formulas, warnings, provenance.
import {loadSiteReport, writeJson} from "../../loaders/site/data.ts";
import {overviewPage} from "../../loaders/site/pages.ts";

await writeJson(overviewPage(await loadSiteReport()));
