/**
 * The streaming path for huge logs (artifacts.ts streamTextSegments + console-log.ts ConsoleLogParser)
 * must give exactly what the whole-text path gives, for every corpus case, whatever the chunk size (chunk
 * boundaries fall inside records, inside CRLF pairs and inside multi-byte characters).
 */
import {writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {readTextArtifact, streamTextSegments} from "../../engine/artifacts.ts";
import {ConsoleLogParser, parseConsoleLog, parseConsoleLogLines} from "../../loaders/virnucpro/console-log.ts";
import {useTmp} from "../helpers/tmp.ts";
import {concatenatedLogs, consoleLogOf, keepLines, oomLog, resumedLog, runawayLine, sectionsOf, toCrlf, withBom, withInvalidUtf8} from "./corpus.ts";

const tmp = useTmp();
const FULL = consoleLogOf("2gpu");

async function streamed(content: string | Buffer, chunkBytes: number) {
  const file = path.join(await tmp(), "console.log");
  await writeFile(file, content);
  const parser = new ConsoleLogParser({file});
  const info = await streamTextSegments(file, "console log", (text, line) => parser.pushSegment(text, line), {chunkBytes});
  const whole = await readTextArtifact(file, "console log");
  return {log: parser.finish(info.lines), info, whole, expected: parseConsoleLog(whole.text, {file})};
}

const cases: Array<[string, () => string | Buffer]> = [
  ["the whole capture", () => FULL],
  ["CRLF", () => toCrlf(FULL)],
  ["a BOM", () => withBom(FULL)],
  ["truncated mid-stage", () => keepLines(FULL, sectionsOf(FULL).banners.get("ESM-2 Feature Extraction")! + 25)],
  ["truncated mid-line, no final newline", () => FULL.slice(0, FULL.indexOf("Total wall time") + 30)],
  ["the OOM run", () => oomLog(FULL).text],
  ["the resumed run", () => resumedLog(FULL).text],
  ["two runs concatenated", () => concatenatedLogs(consoleLogOf("1gpu"), FULL).text],
  ["invalid UTF-8 on line 40", () => withInvalidUtf8(FULL, 40)],
  ["multi-byte characters everywhere", () => FULL.replaceAll("Feature", "Féature✓")],
  ["empty", () => ""],
  ["only a newline", () => "\n"]
];

/** 7-byte chunks are slow on a whole capture: only the cases whose bytes differ in how they split (CRLF, multi-byte, invalid UTF-8). */
const TINY_CHUNK_CASES = new Set(["the whole capture", "invalid UTF-8 on line 40", "multi-byte characters everywhere", "CRLF"]);
if (cases.filter(([name]) => TINY_CHUNK_CASES.has(name)).length !== TINY_CHUNK_CASES.size) throw new Error("TINY_CHUNK_CASES names a case that does not exist");

describe("streaming a console log gives the whole-text parse", () => {
  for (const chunkBytes of [1 << 20, 4093, 7]) {
    const selected = chunkBytes === 7 ? cases.filter(([name]) => TINY_CHUNK_CASES.has(name)) : cases;
    it.each(selected)(`%s (chunks of ${chunkBytes} bytes)`, async (_name, make) => {
      const {log, info, whole, expected} = await streamed(make(), chunkBytes);
      expect(log).toEqual(expected);
      expect([info.bytes, info.sha256, info.invalidUtf8Line]).toEqual([whole.bytes, whole.sha256, whole.invalidUtf8Line]);
    });
  }

  it("a 50 MB line with no newline is handed on in bounded pieces and changes no figure", async () => {
    const {log, expected} = await streamed(FULL + runawayLine(50 * 2 ** 20) + "\n" + FULL.split("\n").slice(-3).join("\n"), 1 << 20);
    expect(log.summary).toEqual(expected.summary);
    expect(log.stages).toEqual(expected.stages);
    expect(log.lines).toBe(expected.lines);
  }, 60_000);

  it("parseConsoleLogLines reads physical lines from any async source", async () => {
    async function* lines() {
      for (const line of toCrlf(FULL).split("\n").slice(0, -1)) yield line;
    }
    expect(await parseConsoleLogLines(lines(), {file: "x.log"})).toEqual(parseConsoleLog(FULL, {file: "x.log"}));
  });

  it("NUL bytes at the start are refused as in the whole-text path", async () => {
    await expect(streamed(`\0\0${FULL}`, 1 << 20)).rejects.toThrow(/console log contains NUL bytes/);
  });
});
