/**
 * Shared pieces of the archive tests: the example studies, a hostile copy of the v2.0 study, and a
 * snapshot of an archive tree (content hashes, symlink targets) to prove that a refused or failed
 * command changed nothing.
 */
import {createHash} from "node:crypto";
import {cp, lstat, readdir, readFile, readlink, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const V20 = path.join(ROOT, "data", "example", "study.yaml");
export const RC1 = path.join(ROOT, "data", "example", "releases", "v2.0-rc1", "study.yaml");

export const HOSTILE_TITLE = `<script>window.__bbTitle=1</script> & "quoted" 'title'`;
export const HOSTILE_LABEL = `<img src=x onerror="window.__bbLabel=1">`;
export const HOSTILE_CRITERION = `<b onmouseover="x()">1-GPU</b> < 1 h`;

/** Copy the v2.0 example (without the older release and the ingest cache) and edit its study file. */
export async function copyExample(dir: string, edit: (text: string) => string): Promise<string> {
  const source = path.dirname(V20);
  await cp(source, dir, {
    recursive: true,
    filter: (src) => !src.startsWith(path.join(source, "releases")) && !src.startsWith(path.join(source, ".benchbook"))
  });
  const study = path.join(dir, "study.yaml");
  await writeFile(study, edit(await readFile(study, "utf8")));
  return study;
}

/** The v2.0 study with markup in its title, a run label and a criterion label (same release name). */
export function hostileEdit(text: string): string {
  return (
    text
      .replace(/^title: .*$/m, `title: ${JSON.stringify(HOSTILE_TITLE)}`)
      .replace("label: 1x RTX 4090", `label: ${JSON.stringify(HOSTILE_LABEL)}`) +
    `criteria:
  - id: time_1gpu
    label: ${JSON.stringify(HOSTILE_CRITERION)}
    metric: run.total_seconds
    comparison: "<"
    target: 3600
    run: gpus=1
  - id: scaling
    label: Multi-GPU scaling >= 1.9x
    metric: scaling.speedup
    comparison: ">="
    target: 1.9
`
  );
}

export type Snapshot = Record<string, string>;

export async function snapshot(dir: string): Promise<Snapshot> {
  const out: Snapshot = {};
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(dir, rel);
    const info = await lstat(abs);
    if (info.isSymbolicLink()) out[rel] = `symlink -> ${await readlink(abs)}`;
    else if (info.isDirectory()) {
      out[`${rel}/`] = "dir";
      for (const name of (await readdir(abs)).sort()) await walk(path.join(rel, name));
    } else out[rel] = createHash("sha256").update(await readFile(abs)).digest("hex");
  };
  await walk(".");
  return out;
}

export async function htmlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(".html")).sort();
}

export function captureIo() {
  const io = {stdout: "", stderr: "", out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t)};
  return io;
}
