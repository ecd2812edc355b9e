// Overview page: criteria scoreboard, headline figures with their formulas, warnings, provenance.
import {loadSiteReport, writeJson} from "../../engine/site/data.ts";
import {overviewPage} from "../../engine/site/pages.ts";

await writeJson(overviewPage(await loadSiteReport()));
