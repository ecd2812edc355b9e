/**
 * Ingest stores the rows of the metric views (view-cache.ts) and reports read them: every stored
 * result must equal what its view computes from the tables, on each example study, and every view
 * that can be stored is.
 */
import path from "node:path";
import {describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {VIEW_CACHE_PREFIX} from "../../../engine/metrics/view-cache.ts";
import {installViews, pipelineViewSql, VIEWS} from "../../../engine/metrics/views.ts";
import {REPO, useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();
const sorted = (xs: Array<Record<string, unknown>>) => xs.map((x) => JSON.stringify(x)).sort();

describe("stored view results", () => {
  for (const study of ["data/example/study.yaml", "data/example-threads/csv/study.yaml", "data/example-threads/hyperfine/study.yaml"]) {
    it(`equal their views: ${study}`, async () => {
      const {dbFile} = await ingestStudy(path.join(REPO, study), {dbFile: path.join(await tmp(), "s.duckdb")});
      const db = await openDatabase(dbFile, {readOnly: true});
      try {
        await installViews(db.connection, {storedResults: false});
        const tables = (await queryRows<{t: string}>(db.connection, `SELECT table_name AS t FROM duckdb_tables() WHERE starts_with(table_name, '${VIEW_CACHE_PREFIX}') ORDER BY 1`)).map((r) => r.t);
        const pipelineViews = Object.keys(await pipelineViewSql(db.connection));
        const expected = [...VIEWS.map((v) => v.name), ...pipelineViews]
          .filter((v) => !["v_predictions", "v_correctness_rows", "v_correctness_mismatches", "v_correctness_counts", "v_correctness_histogram", "v_correctness_mismatch_top"].includes(v))
          .map((v) => `${VIEW_CACHE_PREFIX}${v}`)
          .sort();
        expect(tables).toEqual(expected);
        for (const table of tables) {
          const view = table.slice(VIEW_CACHE_PREFIX.length);
          const live = await queryRows(db.connection, `SELECT * FROM ${view}`);
          expect(sorted(await queryRows(db.connection, `SELECT * FROM main.${table}`)), view).toEqual(sorted(live));
        }
        // and a report's connection reads the stored rows
        await installViews(db.connection);
        const [plan] = await queryRows<{explain_value: string}>(db.connection, "EXPLAIN SELECT * FROM v_warnings");
        expect(JSON.stringify(plan)).toContain(`${VIEW_CACHE_PREFIX}v_warnings`);
      } finally {
        db.close();
      }
    }, 60_000);
  }
});
