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

  it("neutralises text cells a spreadsheet would run as a formula, and leaves numbers alone", () => {
    const rows = [
      {id: '=HYPERLINK("http://evil.example","x")', score: -0.5},
      {id: "+1+1", score: 1},
      {id: "-2+3", score: 0},
      {id: "@SUM(A1)", score: 0},
      {id: "\tcmd", score: 0},
      {id: "\rcmd", score: 0},
      {id: "seq_1=ok", score: 0}
    ];
    expect(toCsv(rows, ["id", "score"]).split("\n").slice(1, -1)).toEqual([
      `"'=HYPERLINK(""http://evil.example"",""x"")",-0.5`,
      "'+1+1,1",
      "'-2+3,0",
      "'@SUM(A1),0",
      "'\tcmd,0",
      `"'\rcmd",0`,
      "seq_1=ok,0"
    ]);
  });
});
