import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {stringify} from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
export const FAKE_PIPELINE = path.resolve(here, "../../fixtures/pipeline/fake-virnucpro.mjs");
export const FAKE_NVIDIA_SMI = path.resolve(here, "../../fixtures/pipeline/fake-nvidia-smi.mjs");

export interface TestStudy {
  dir: string;
  file: string;
  input: string;
}

const created: string[] = [];

/** A fresh folder under the system temp dir, removed by removeTempDirs(). */
export async function tempDir(prefix = "benchbook-run-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of created.splice(0)) await rm(dir, {recursive: true, force: true});
}

/** A study folder in /tmp with a two-record FASTA input and the given runs. */
export async function makeStudy(runs: Array<Record<string, unknown>>): Promise<TestStudy> {
  const dir = await tempDir();
  const input = path.join(dir, "input.fa");
  await writeFile(input, ">seq_a first\nACGTACGTAC\n>seq_b\nTTGACCATGA\n");
  const file = path.join(dir, "study.yaml");
  await writeFile(file, stringify({release: "v-test", title: "runner test", pipeline: "virnucpro", runs}));
  return {dir, file, input};
}

/** The fixture pipeline's command: node fake-virnucpro.mjs <input> -o <outputs> …options */
export function pipeline(input: string, ...options: string[]): string[] {
  return ["node", FAKE_PIPELINE, input, "-o", "{outputs}", ...options];
}

/** A folder holding an executable `nvidia-smi` that runs the fake. */
export async function fakeNvidiaSmiDir(root: string): Promise<string> {
  const bin = path.join(root, "fakebin");
  await mkdir(bin, {recursive: true});
  const file = path.join(bin, "nvidia-smi");
  await writeFile(file, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_NVIDIA_SMI}" "$@"\n`);
  await chmod(file, 0o755);
  return bin;
}

/** Alive and not a zombie (an orphan nobody reaped yet is dead for our purposes). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export class Sink {
  text = "";
  write(chunk: string | Buffer): boolean {
    this.text += chunk.toString();
    return true;
  }
}
