/**
 * vitest globalSetup: tests must leave nothing in the work tree. The set of changed, untracked and
 * ignored paths (`git status`) is taken before the run and compared after it; any path that appears
 * fails the run. Comparing sets keeps a developer's own uncommitted work out of it: only what the run
 * added counts. Ignored paths are included on purpose: a database a test writes into
 * data/example/.benchbook is ignored by git but is exactly the residue a later run would reuse.
 *
 * Left out: Framework's build cache (src/.observablehq/cache, written by every site build) and
 * test-artifacts/ (screenshots the browser tests keep for review).
 */
import {execFileSync} from "node:child_process";
import path from "node:path";
import {fileURLToPath} from "node:url";

const REPO = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
const ALLOWED = [/^src\/\.observablehq\/cache(\/|$)/, /^test-artifacts(\/|$)/];

/** `XY path` entries, or null outside a git work tree (a copy of the repo, e.g. scripts/mutate.ts's). */
function workTreeEntries(): Set<string> | null {
  let out: string;
  try {
    const top = execFileSync("git", ["rev-parse", "--show-toplevel"], {cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]}).trim();
    if (path.resolve(top) !== REPO) return null;
    out = execFileSync("git", ["status", "--porcelain=v1", "-z", "--ignored=matching", "--untracked-files=all"], {cwd: REPO, encoding: "utf8", maxBuffer: 64 << 20});
  } catch {
    return null;
  }
  const entries = new Set<string>();
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]!;
    if (!entry) continue;
    // a rename's original path follows as its own field
    if (entry[0] === "R" || entry[0] === "C") i++;
    if (!ALLOWED.some((re) => re.test(entry.slice(3)))) entries.add(entry);
  }
  return entries;
}

let before: Set<string> | null = null;

export function setup(): void {
  before = workTreeEntries();
}

export function teardown(): void {
  if (!before) return;
  const after = workTreeEntries();
  if (!after) return;
  const added = [...after].filter((e) => !before!.has(e)).sort();
  if (added.length === 0) return;
  process.exitCode = 1;
  throw new Error(
    `the test run left ${added.length} path(s) in the work tree (git status before vs after; tests must write to temp folders, see test/helpers/tmp.ts):\n` +
      added.map((e) => `  ${e}`).join("\n")
  );
}
