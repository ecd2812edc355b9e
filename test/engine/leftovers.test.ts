/**
 * kill -9 leftovers: half-built databases and site work folders are removed by the next command, and
 * nothing else: not a live process's, not a fresh one (another host may be writing it), not another name.
 */
import {mkdir, readdir, utimes, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {ingestStudy} from "../../engine/ingest/ingest.ts";
import {InputError} from "../../engine/errors.ts";
import {buildingDbRule, removeLeftovers, siteWorkRule} from "../../engine/leftovers.ts";
import {useTmp} from "../helpers/tmp.ts";
import {V20} from "./archive/helpers.ts";

const tmp = useTmp();
const DEAD = 2 ** 22 + 4242; // above Linux's pid_max default: never a live process
const HOUR_AGO = new Date(Date.now() - 3600_000);

async function make(dir: string, name: string, options: {old?: boolean; folder?: boolean} = {}): Promise<void> {
  const file = path.join(dir, name);
  if (options.folder) await mkdir(file);
  else await writeFile(file, "x");
  if (options.old !== false) await utimes(file, HOUR_AGO, HOUR_AGO);
}

describe("leftovers of killed commands", () => {
  it("removes only old entries with our name pattern whose pid is dead", async () => {
    const dir = await tmp();
    await make(dir, `v2.0.duckdb.building-${DEAD}`);
    await make(dir, `v2.0.duckdb.building-${DEAD}.wal`);
    await make(dir, `v2.0.duckdb.building-${process.ppid}`); // a live process's
    await make(dir, `v2.0.duckdb.building-${DEAD + 1}`, {old: false}); // fresh: maybe another host's
    await make(dir, `other.duckdb.building-${DEAD}`); // another database's name
    await make(dir, `v2.0.duckdb.building-${DEAD}.bak`);
    await make(dir, "v2.0.duckdb");
    const removed = await removeLeftovers(dir, buildingDbRule(path.join(dir, "v2.0.duckdb")));
    expect(removed.map((f) => path.basename(f)).sort()).toEqual([`v2.0.duckdb.building-${DEAD}`, `v2.0.duckdb.building-${DEAD}.wal`]);
    expect((await readdir(dir)).sort()).toEqual(
      ["v2.0.duckdb", `v2.0.duckdb.building-${DEAD + 1}`, `v2.0.duckdb.building-${DEAD}.bak`, `v2.0.duckdb.building-${process.ppid}`, `other.duckdb.building-${DEAD}`].sort()
    );
  });

  it("site work folders: benchbook-site-<pid>-XXXXXX only", async () => {
    const dir = await tmp();
    await make(dir, `benchbook-site-${DEAD}-aB3dE9`, {folder: true});
    await make(dir, `benchbook-site-${process.ppid}-aB3dE9`, {folder: true});
    await make(dir, "benchbook-site-aB3dE9", {folder: true}); // no pid: cannot tell, left alone
    await make(dir, `benchbook-site-${DEAD}-aB3dE9-mine`, {folder: true});
    await removeLeftovers(dir, siteWorkRule);
    expect((await readdir(dir)).sort()).toEqual([`benchbook-site-${DEAD}-aB3dE9-mine`, `benchbook-site-${process.ppid}-aB3dE9`, "benchbook-site-aB3dE9"].sort());
  });

  it("ingest clears a killed ingest's database and refuses a folder as --db", async () => {
    const dir = await tmp();
    const dbFile = path.join(dir, "v2.0.duckdb");
    await make(dir, `v2.0.duckdb.building-${DEAD}`);
    await ingestStudy(V20, {dbFile});
    expect((await readdir(dir)).sort()).toEqual(["v2.0.duckdb"]);
    await expect(ingestStudy(V20, {dbFile: dir})).rejects.toThrow(InputError);
    await expect(ingestStudy(V20, {dbFile: dir})).rejects.toThrow(`${dir}: is not a file`);
  }, 60_000);
});
