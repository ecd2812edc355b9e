/**
 * The ingest fingerprint covers benchbook's own code: a changed parser or view must re-ingest, so the
 * hash of engine/ and loaders/ sources changes with any source file and only with source files.
 */
import {mkdir, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {sourceHash} from "../../../engine/ingest/ingest.ts";
import {useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();

describe("source hash", () => {
  it("changes when a source file under engine/ or loaders/ changes, not for other files", async () => {
    const root = await tmp();
    await mkdir(path.join(root, "engine/metrics"), {recursive: true});
    await mkdir(path.join(root, "loaders/virnucpro"), {recursive: true});
    await writeFile(path.join(root, "engine/metrics/views.ts"), "export const V = 1;\n");
    await writeFile(path.join(root, "loaders/virnucpro/parser.ts"), "export const P = 1;\n");
    const first = await sourceHash(root);
    expect(await sourceHash(root)).toBe(first);
    await writeFile(path.join(root, "README.md"), "docs\n");
    await writeFile(path.join(root, "engine/notes.txt"), "not code\n");
    expect(await sourceHash(root)).toBe(first);
    // same size, one character different
    await writeFile(path.join(root, "engine/metrics/views.ts"), "export const V = 2;\n");
    const second = await sourceHash(root);
    expect(second).not.toBe(first);
    await writeFile(path.join(root, "loaders/virnucpro/parser.ts"), "export const P = 2;\n");
    expect(await sourceHash(root)).not.toBe(second);
  });

  it("covers the real engine and loaders folders", async () => {
    const real = await sourceHash(path.resolve(import.meta.dirname, "../../.."));
    expect(real).toMatch(/^[0-9a-f]{40}$/);
    expect(real).not.toBe(await sourceHash(await tmp()));
  });
});
