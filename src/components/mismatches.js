// Client-side reshaping of the mismatch rows with arquero: filter by run, level and kind, and count
// the rows each group holds. The rows and their ranks come from SQL (v_correctness_mismatches); this
// only narrows and groups what the table shows, it computes no figure.
// arquero's package entry also exports its file loaders, which import node:fs and node:stream; Framework
// bundles that entry for the browser as it is (arquero's "browser" field is not applied) and the page
// then fails to load its modules. The table verbs and escape() come from their own modules of the same
// node_modules package, which need nothing from Node.
import {from} from "arquero/src/table/index.js";
import {escape} from "arquero/src/helpers/escape.js";

const aq = {from, escape};

export const KINDS = ["label differs", "score only"];

const kindOf = (d) => (d.label_mismatch === true || d.label_mismatch === "true" ? "label differs" : "score only");

/** The table with a `kind` column, in the order the SQL ranked the rows. */
function withKind(rows) {
  return aq.from(rows).derive({kind: aq.escape(kindOf)});
}

/** Runs and levels present, for the filter inputs. */
export function mismatchChoices(rows) {
  const t = withKind(rows);
  const distinct = (column) => t.select(column).dedupe().orderby(column).array(column);
  return {runs: rows.length ? distinct("run") : [], levels: rows.length ? distinct("level") : []};
}

/** Rows of one run / level / kind (null = any), ranked as SQL ranked them within each run and level. */
export function filterMismatches(rows, {run = null, level = null, kind = null} = {}) {
  // no rows (every run agrees, or the pipeline has no predictions): arquero cannot order a table without columns
  if (!rows.length) return [];
  const keep = (d) => (run === null || d.run === run) && (level === null || d.level === level) && (kind === null || kindOf(d) === kind);
  return aq.from(rows).filter(aq.escape(keep)).orderby("run", "level", "rank").objects();
}

/** How many of the rows each run, level and kind holds. */
export function groupMismatches(rows) {
  if (!rows.length) return [];
  return withKind(rows).groupby("run", "level", "kind").count({as: "rows"}).orderby("run", "level", "kind").objects();
}
