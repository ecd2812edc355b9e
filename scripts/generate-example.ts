/**
 * (Re)writes the embedded example studies, deterministically (same bytes on every run):
 *   data/example/study.yaml                   release v2.0 (the Phase 10 figures, scaled-down outputs)
 *   data/example/releases/v2.0-rc1/study.yaml an earlier release, for the archive trend page
 * Usage: node --import tsx scripts/generate-example.ts [target-folder]   (default: data/example)
 */
import {mkdir, readdir, rm} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {phase10Plan, releaseCandidatePlan, writeStudy} from "../loaders/virnucpro/example/generate.ts";

/** per-frame rows of the embedded example: big enough for real agreement figures, small enough for git */
export const EXAMPLE_PER_FRAME_ROWS = 3500;
export const ARCHIVE_PER_FRAME_ROWS = 500;

export async function generateExample(target: string): Promise<string[]> {
  // only the generator's own output folders are replaced
  await rm(path.join(target, "runs"), {recursive: true, force: true});
  await rm(path.join(target, "reference"), {recursive: true, force: true});
  await rm(path.join(target, "releases"), {recursive: true, force: true});
  await mkdir(target, {recursive: true});
  const current = await writeStudy(target, phase10Plan({perFrameRows: EXAMPLE_PER_FRAME_ROWS}));
  const archive = await writeStudy(path.join(target, "releases", "v2.0-rc1"), releaseCandidatePlan({perFrameRows: ARCHIVE_PER_FRAME_ROWS}));
  return [current.studyFile, archive.studyFile];
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const target = path.resolve(process.argv[2] ?? path.join(root, "data", "example"));
  const files = await generateExample(target);
  const entries = await readdir(target, {recursive: true});
  console.log(`wrote ${entries.length} entries under ${target}:\n  ${files.join("\n  ")}`);
}
