/**
 * The archive's pure parts: release-name rules, escaping, the sign-off banner and states, canonical
 * JSON and content hashes, and the SVG charts. No site build.
 */
import {describe, expect, it} from "vitest";
import {lineChart, niceTicks} from "../../../engine/archive/chart.ts";
import {checkReleaseName} from "../../../engine/archive/fs.ts";
import {esc} from "../../../engine/archive/html.ts";
import {canonicalJson} from "../../../engine/archive/json.ts";
import {contentHash, portable, type Manifest} from "../../../engine/archive/manifest.ts";
import {bannerHtml, injectBanner, signoffState, signoffText, type SignoffEntry} from "../../../engine/archive/signoff.ts";
import {latestPage} from "../../../engine/archive/root.ts";
import {InputError} from "../../../engine/errors.ts";

describe("release names", () => {
  it("accepts ordinary names", () => {
    for (const name of ["v2.0", "v2.0-rc1", "2026.02_nightly", "v1.0+cuda12"]) expect(checkReleaseName(name)).toBe(name);
  });

  it("refuses names that address another folder or hide from listings, naming the file they came from", () => {
    for (const name of [".", "..", "", "a/b", "../x", "a\\b", "tab\there", "nul\u0000", "del\u007f", "nl\n", ".staging-1"]) {
      expect(() => checkReleaseName(name, {file: "/s/study.yaml"}), JSON.stringify(name)).toThrow(InputError);
      expect(() => checkReleaseName(name, {file: "/s/study.yaml"})).toThrow("/s/study.yaml");
    }
  });
});

describe("esc", () => {
  it("escapes every character that could open markup or leave an attribute", () => {
    expect(esc(`<a href="x" title='y'>&amp;</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    expect(esc(null)).toBe("");
  });
});

const entry = (over: Partial<SignoffEntry> = {}): SignoffEntry => ({decision: "approved", by: "Ada", note: null, at: "2026-03-01T10:20:30.000Z", content_sha256: "aaa", ...over});

describe("sign-off state and banner", () => {
  it("the latest decision counts, and is stale when the content hash moved on", () => {
    expect(signoffState({release: "v", history: []}, "aaa")).toEqual({state: "none"});
    const file = {release: "v", history: [entry(), entry({decision: "rejected", by: "Grace", note: "no", content_sha256: "aaa"})]};
    expect(signoffState(file, "aaa")).toMatchObject({state: "rejected", stale: false});
    expect(signoffState({release: "v", history: [entry()]}, "bbb")).toMatchObject({state: "approved", stale: true});
  });

  it("words each state as the pages show it", () => {
    expect(signoffText({state: "none"})).toBe("Not signed off");
    expect(signoffText({state: "approved", stale: false, entry: entry({note: "fine"})})).toBe("Approved by Ada on 2026-03-01 10:20 UTC — fine");
    expect(signoffText({state: "rejected", stale: false, entry: entry({decision: "rejected", note: "slow"})})).toBe("Rejected by Ada on 2026-03-01 10:20 UTC — slow");
    expect(signoffText({state: "approved", stale: true, entry: entry()})).toBe("Approval STALE: inputs changed since approval by Ada on 2026-03-01 10:20 UTC");
  });

  it("injects one escaped banner at the top of <main>, replacing the previous one", () => {
    const page = `<html><body><div id="c"><main id="observablehq-main" class="observablehq"><h1>T</h1></main></div></body></html>`;
    const hostile = {state: "approved" as const, stale: false, entry: entry({by: "<img src=x onerror=1>", note: "</main><script>x()</script>"})};
    const once = injectBanner(page, bannerHtml(hostile, "v<1>"));
    expect(once).toMatch(/<main id="observablehq-main" class="observablehq"><!-- benchbook:signoff --><div class="bb-signoff bb-signoff--approved"/);
    expect(once).not.toContain("<img src=x");
    expect(once).not.toContain("<script>");
    expect(once).toContain("v&lt;1&gt;");
    const twice = injectBanner(once, bannerHtml({state: "none"}, "v1"));
    expect(twice.match(/benchbook:signoff -->/g)).toHaveLength(2); // one start and one end marker
    expect(twice).toContain('data-signoff="none"');
    expect(twice).not.toContain('data-signoff="approved"');
    expect(injectBanner("<body class=x><p>no main</p></body>", bannerHtml({state: "none"}, "v1"))).toMatch(/^<body class=x><!-- benchbook:signoff -->/);
  });
});

describe("canonical JSON and content hash", () => {
  it("sorts keys at every level so insertion order does not change the bytes", () => {
    expect(canonicalJson({b: 1, a: {d: [3, {z: 1, y: 2}], c: null}})).toBe(canonicalJson({a: {c: null, d: [3, {y: 2, z: 1}]}, b: 1}));
    expect(canonicalJson({b: 1, a: 2})).toBe('{\n  "a": 2,\n  "b": 1\n}\n');
  });

  it("ignores the build time and nothing else", () => {
    const m = {release: "v", title: "t", build_time: "2026-01-01T00:00:00Z", content_sha256: "x"} as unknown as Manifest;
    expect(contentHash({...m, build_time: "2027-01-01T00:00:00Z"})).toBe(contentHash(m));
    expect(contentHash({...m, title: "t2"})).not.toBe(contentHash(m));
  });

  it("makes paths inside the study folder relative, in any string of the report", () => {
    const study = {dir: "/data/s", file: "/data/s/study.yaml"};
    expect(portable({a: "/data/s/runs/x.log", b: ["/data/s/study.yaml", "/elsewhere/y"], c: "cannot read /data/s/runs/z: gone", n: 3}, study)).toEqual({
      a: "runs/x.log",
      b: ["study.yaml", "/elsewhere/y"],
      c: "cannot read runs/z: gone",
      n: 3
    });
  });
});

describe("charts", () => {
  it("chooses round ticks", () => {
    expect(niceTicks(0, 3600)).toEqual([0, 1000, 2000, 3000]);
    expect(niceTicks(0.99, 1)).toEqual([0.99, 0.992, 0.994, 0.996, 0.998, 1]);
  });

  it("draws one mark per value, leaves gaps for missing values and escapes labels", () => {
    const svg = lineChart({
      title: "T <x>",
      categories: ["v1", "v<2>", "v3"],
      series: [
        {name: "1gpu", values: [10, null, 30]},
        {name: "<b>", values: [5, 6, 7]}
      ],
      format: (v) => `${v} s`,
      zero: true
    });
    expect(svg.match(/<circle class="bb-mark"/g)).toHaveLength(5);
    const firstLine = /<g class="series" data-series="1gpu"><path class="bb-line" d="([^"]*)"/.exec(svg)![1]!;
    expect(firstLine.match(/M/g)).toHaveLength(2); // the null breaks the line
    expect(svg).not.toContain("<b>");
    expect(svg).not.toContain("v<2>");
    expect(svg).toContain("v&lt;2&gt;");
  });

  it("says so when no release has data", () => {
    expect(lineChart({title: "Empty", categories: ["v1"], series: [{name: "a", values: [null]}], format: String})).toContain("no data in any release");
  });
});

describe("latest/", () => {
  it("redirects to the release with an escaped, encoded URL", () => {
    const html = latestPage("v1.0+cuda");
    expect(html).toContain('content="0; url=../releases/v1.0%2Bcuda/index.html"');
  });
});
