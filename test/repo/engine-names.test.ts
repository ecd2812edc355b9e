/**
 * "A new pipeline is one folder": the engine (engine/, and the CLI verbs in commands/) names no pipeline's stages or classes. VirNucPro's
 * stage names (loaders/virnucpro/pipeline.ts), its model names (ESM-2, DNABERT-S, as words or parts of
 * identifiers) and its class names (virus, others) may appear only where the allowlist below says why.
 */
import {readdirSync, readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {STAGE_NAMES} from "../../loaders/virnucpro/pipeline.ts";
import {REPO} from "../helpers/tmp.ts";

const ENGINE = ["engine", "commands"].map((dir) => path.join(REPO, dir));

/** What may still name VirNucPro in the engine, and why. Keep it short: each entry is a debt or a promise. */
const ALLOWED: ReadonlyArray<{file?: string; token?: RegExp; why: string}> = [
  // the comparison SQL calls the two classes of a binary prediction virus/others (its columns and the
  // prediction tables' columns); bb_class (views.ts) maps them to the profile's class names in every output
  {file: "engine/metrics/correctness.ts", why: "comparison SQL: column names of the two classes"},
  {file: "engine/metrics/correctness-store.ts", why: "stored comparison: column names of the two classes"},
  {file: "engine/db/schema.ts", token: /^(virus|others|is_virus|score_virus|score_others|max_score_virus|max_score_others)$/i, why: "prediction tables' columns"},
  {file: "engine/metrics/views.ts", token: /^(virus|others)$/, why: "bb_class: the comparison's class names to the profile's"},
  // published JSON keys (report --format json, page data) that CI gates read: kept beside the role names
  {token: /^(virus_virus|virus_others|others_virus|others_others|reference_virus|run_virus)$/, why: "JSON keys of confusion and mismatches"},
  {token: /^esm_only_(fraction|ceiling)$/, why: "JSON keys kept beside amdahl.primary_only_*"},
  {file: "engine/site/loader.js", token: /^tsx\/esm\/api$/, why: "a module path of tsx, not a model"},
  {file: "engine/site/browser-format.ts", token: /^esm$/, why: "esbuild's output format (ES modules), not a model"}
];

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (/\.(ts|js|mjs|sql)$/.test(entry.name)) yield full;
  }
}

/** The words of a line that name VirNucPro: identifier-like tokens (a-z, 0-9, _, - and /) matched as parts. */
function namesIn(line: string): string[] {
  const found: string[] = [];
  for (const token of line.match(/[A-Za-z0-9_/-]+/g) ?? []) {
    // esm / dnabert / virus as a word or a part of an identifier (f_esm, is_virus, ESM-2), not inside a word
    if (/(^|[^a-z])(esm|dnabert|virus)([^a-z]|$)/i.test(token)) found.push(token.replace(/^\/+|\/+$/g, ""));
    // 'others' is English too: only as a part of an identifier or a quoted value
    else if (/(^|_)others(_|$)/.test(token) && token !== "others") found.push(token);
  }
  for (const quoted of line.match(/['"`]others['"`]/g) ?? []) found.push("others");
  for (const s of STAGE_NAMES) {
    if (line.toLowerCase().includes(s.name.toLowerCase())) found.push(s.name);
    if (new RegExp(`\\b${s.enum}\\b`).test(line)) found.push(s.enum);
  }
  return found;
}

describe("the engine names no pipeline", () => {
  it("finds the names it forbids (the check itself)", () => {
    expect(namesIn("max(seconds) FILTER (WHERE stage = 'ESM-2 Feature Extraction') AS esm")).toEqual(["ESM-2", "esm", "ESM-2 Feature Extraction"]);
    expect(namesIn("bs.dnabert AS dnabert_from, f_esm, is_virus, k.virus_virus")).toEqual(["dnabert", "dnabert_from", "f_esm", "is_virus", "virus_virus"]);
    expect(namesIn(`head: ["reference \\\\ run", "virus", "others"]`)).toEqual(["virus", "others"]);
    expect(namesIn("WHERE stage = 'Six-Frame Translation' OR x = 'PROTEIN_FEATURES'")).toEqual(["Six-Frame Translation", "PROTEIN_FEATURES"]);
    // English words and names that merely contain the letters pass
    expect(namesIn("the others are counted; resume the Tesmer run; viruses")).toEqual([]);
  });

  it("outside the allowlist, no engine file mentions VirNucPro's stages, models or classes", () => {
    const offenders: string[] = [];
    for (const file of ENGINE.flatMap((dir) => [...sources(dir)])) {
      const rel = path.relative(REPO, file).split(path.sep).join("/");
      readFileSync(file, "utf8").split("\n").forEach((line, i) => {
        for (const name of namesIn(line)) {
          const allowed = ALLOWED.some((a) => (a.file === undefined || a.file === rel) && (a.token === undefined || a.token.test(name)));
          if (!allowed) offenders.push(`${rel}:${i + 1}: ${name}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });
});
