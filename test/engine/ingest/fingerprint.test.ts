/**
 * The ingest fingerprint covers benchbook's own code: a changed parser or view must re-ingest, so the
 * hash of engine/ and loaders/ sources changes with any source file and only with source files. Input
 * files' hashes are reused from the database only while their stat fields (ctime included) all match.
 */
import {createHash} from "node:crypto";
import {cp, mkdir, readFile, stat, utimes, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {inputFingerprint, sourceHash, type FileHash} from "../../../engine/ingest/fingerprint.ts";
import {loadStudy} from "../../../engine/study.ts";
import {adapters} from "../../../loaders/index.ts";
import {ContentDigests} from "../../../engine/artifacts.ts";
import {REPO, useTmp} from "../../helpers/tmp.ts";

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
    expect(real).toMatch(/^[0-9a-f]{64}$/);
    expect(real).not.toBe(await sourceHash(await tmp()));
  });
});

describe("stored file hashes", () => {
  const copyStudy = async () => {
    const dir = await tmp();
    await cp(path.join(REPO, "data", "example-threads", "csv"), dir, {recursive: true});
    const study = await loadStudy(path.join(dir, "study.yaml"), adapters);
    return {dir, study, file: path.join(dir, "runs", "t2", "outputs.csv")};
  };
  /** the entry an ingest long ago would have stored for `file`, with a given hash */
  const settled = async (file: string, sha256: string): Promise<FileHash> => {
    const s = await stat(file, {bigint: true});
    return {path: file, dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtime_ns: String(s.mtimeNs), ctime_ns: String(s.ctimeNs), sha256};
  };

  it("a hash is reused only while device, inode, size, mtime and ctime all match", async () => {
    const {study, file} = await copyStudy();
    const stamp = new Date("2026-02-09T12:00:00Z");
    await utimes(file, stamp, stamp);
    const fresh = await inputFingerprint(study, adapters.csv);
    // a stored hash that differs from the content proves which one the digest used
    const known = new Map([[file, await settled(file, "0".repeat(64))]]);
    const reused = await inputFingerprint(study, adapters.csv, known);
    expect(reused.digest).not.toBe(fresh.digest);
    expect(reused.files.find((f) => f.path === file)!.sha256).toBe("0".repeat(64));
    // rewritten in place, same size, mtime put back: ctime moved, so the file is read again
    const text = await readFile(file, "utf8");
    const before = await stat(file);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, text.replace("item-0000,odd", "item-0000,eve"));
    await utimes(file, stamp, stamp);
    expect((await stat(file)).size).toBe(before.size);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    const edited = await inputFingerprint(study, adapters.csv, known);
    expect(edited.digest).toBe((await inputFingerprint(study, adapters.csv)).digest);
    expect(edited.files.find((f) => f.path === file)!.sha256).not.toBe("0".repeat(64));
  });

  it("a file changed seconds before it was hashed is never trusted by its stat fields", async () => {
    const {study, file} = await copyStudy();
    await writeFile(file, await readFile(file, "utf8"));
    const {files} = await inputFingerprint(study, adapters.csv);
    expect(files.find((f) => f.path === file)!.ctime_ns).toBe("racy");
    // a racy entry never matches, so the next fingerprint reads the file again
    const stored = new Map(files.map((f) => [f.path, {...f, sha256: "0".repeat(64)}]));
    expect((await inputFingerprint(study, adapters.csv, stored)).digest).toBe((await inputFingerprint(study, adapters.csv)).digest);
  });

  it("files are hashed with sha256 through the command's digests, one read per file and path spelling", async () => {
    const {dir, study, file} = await copyStudy();
    const digests = new ContentDigests();
    const {files} = await inputFingerprint(study, adapters.csv, undefined, digests);
    const sha256 = createHash("sha256").update(await readFile(file)).digest("hex");
    expect(files.find((f) => f.path === file)!.sha256).toBe(sha256);
    // what an adapter asks for afterwards is the read the fingerprint made, under any spelling of the path
    const read = digests.of(file);
    expect(digests.of(path.relative(process.cwd(), file))).toBe(read);
    expect(digests.of(path.join(dir, "runs", "..", "runs", "t2", "outputs.csv"))).toBe(read);
    expect(await read).toEqual({sha256, bytes: (await stat(file)).size});
    // a new command reads the file again
    await writeFile(file, (await readFile(file, "utf8")).replace("item-0000,odd", "item-0000,eve"));
    expect((await new ContentDigests().of(file)).sha256).not.toBe(sha256);
    expect((await digests.of(file)).sha256).toBe(sha256);
  });
});
