/**
 * Layout checks a reviewer makes by eye, as assertions on a loaded page: nothing scrolls sideways,
 * every chart is labelled and drew data marks, labels do not collide, text is readable.
 */
import type {Page} from "playwright-core";
import {expect} from "vitest";
import type {PageVisit} from "./browser.ts";

export const WIDTHS = [1400, 390] as const;

export function expectClean(visit: PageVisit) {
  expect(visit.pageErrors, "uncaught errors").toEqual([]);
  expect(visit.consoleErrors, "console errors").toEqual([]);
  expect(visit.externalRequests, "requests leaving 127.0.0.1").toEqual([]);
  expect(visit.failedRequests, "failed requests").toEqual([]);
}

/** No horizontal page scroll; every chart labelled for screen readers and drawn with data marks. */
export function expectReadableLayout(visit: PageVisit, minCharts: number) {
  expect(visit.scrollWidth, `${visit.page} scrolls sideways at ${visit.viewportWidth} px`).toBeLessThanOrEqual(visit.viewportWidth);
  expect(visit.charts.length, "charts").toBeGreaterThanOrEqual(minCharts);
  for (const chart of visit.charts) {
    expect(chart.marks, `chart '${chart.label}' has no data marks`).toBeGreaterThan(0);
    expect(chart.label, "a chart without an accessible name").toBeTruthy();
  }
}

/** Pairs of elements (matched inside `scope`) whose boxes intersect by more than a pixel. */
export async function collisions(tab: Page, scope: string, selector: string): Promise<string[]> {
  return tab.evaluate(
    ([scope, selector]) => {
      const out: string[] = [];
      for (const root of Array.from(document.querySelectorAll(scope))) {
        const boxes = Array.from(root.querySelectorAll(selector))
          .map((e) => ({text: e.textContent ?? "", r: e.getBoundingClientRect()}))
          .filter((b) => b.r.width > 0 && b.r.height > 0);
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]!.r;
            const b = boxes[j]!.r;
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 1 && h > 1) out.push(`${boxes[i]!.text} / ${boxes[j]!.text}`);
          }
      }
      return out;
    },
    [scope, selector] as const
  );
}

/** WCAG contrast ratio of an element's text colour against the first opaque background behind it. */
export async function contrastOf(tab: Page, selector: string): Promise<number> {
  return tab.evaluate((selector) => {
    const el = document.querySelector(selector);
    if (!el) throw new Error(`no ${selector}`);
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) =>
      [r!, g!, b!].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i]!, 0);
    let bg = [255, 255, 255];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3]! > 0.5)) {
        bg = c.slice(0, 3);
        break;
      }
    }
    const fg = lum(rgb(getComputedStyle(el).color));
    const b = lum(bg);
    return (Math.max(fg, b) + 0.05) / (Math.min(fg, b) + 0.05);
  }, selector);
}
