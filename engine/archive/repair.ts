/**
 * Crash recovery of a --force rebuild. Replacing a release takes two renames (the old folder aside,
 * the new one in), which cannot be one atomic step; a journal written before the first rename lets
 * the next command that takes the archive lock finish or undo it, so `latest/` and the index never keep
 * pointing at a release folder that is not there.
 */
import {readdir, readFile, rename, rm} from "node:fs/promises";
import path from "node:path";
import {assertNoSymlink, lstatOrNull, RELEASES_DIR, writeArchiveFile} from "./fs.ts";

const JOURNAL_PREFIX = ".swap-";

export interface SwapJournal {
  release: string;
  /** the old build's folder name under releases/ */
  replaced: string;
}

export function journalName(release: string): string {
  return `${JOURNAL_PREFIX}${release}.json`;
}

export async function writeSwapJournal(root: string, journal: SwapJournal): Promise<void> {
  await writeArchiveFile(root, journalName(journal.release), JSON.stringify(journal));
}

export async function clearSwapJournal(root: string, release: string): Promise<void> {
  await rm(path.join(root, journalName(release)), {force: true});
}

/** Undo every swap a killed command left half done: the old build goes back in place. Returns the lines to report. */
export async function repairInterruptedSwaps(root: string): Promise<string[]> {
  const repaired: string[] = [];
  for (const name of (await readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith(JOURNAL_PREFIX) && n.endsWith(".json"))) {
    let journal: SwapJournal | null = null;
    try {
      journal = JSON.parse(await readFile(path.join(root, name), "utf8")) as SwapJournal;
    } catch {
      journal = null;
    }
    const safe = (n: unknown) => typeof n === "string" && n !== "" && !n.startsWith(".") && !/[/\\]/.test(n);
    if (journal && safe(journal.release) && safe(journal.replaced)) {
      const target = path.join(RELEASES_DIR, journal.release);
      const old = path.join(RELEASES_DIR, journal.replaced);
      await assertNoSymlink(root, target);
      await assertNoSymlink(root, old);
      if (!(await lstatOrNull(path.join(root, target))) && (await lstatOrNull(path.join(root, old)))) {
        await rename(path.join(root, old), path.join(root, target));
        repaired.push(`${target} restored from ${old}: a --force rebuild was interrupted before the new build was moved in`);
      }
    }
    await rm(path.join(root, name), {force: true});
  }
  return repaired;
}
