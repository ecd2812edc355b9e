import {describe, expect, it} from "vitest";
import {toCsv} from "../../../engine/site/csv.ts";

describe("toCsv", () => {
  it("quotes fields with commas, quotes and newlines and leaves missing values empty", () => {
    const rows = [
      {id: 'a,"b"', score: 0.5, note: null},
      {id: "line\nbreak", score: null, note: "plain"}
    ];
    expect(toCsv(rows, ["id", "score", "note"])).toBe('id,score,note\n"a,""b""",0.5,\n"line\nbreak",,plain\n');
  });
});
