/**
 * The headline figures of one archived report, as the index and the trend page compare them across
 * releases. Read straight from the report's fields: no arithmetic here, so the archive shows exactly
 * what each release's own pages show.
 */
import type {Report} from "../metrics/report-types.ts";
import {duration} from "../metrics/format.ts";

export interface ReleaseFigures {
  runs: Array<{id: string; gpus: number; label: string | null; status: string; total_seconds: number | null}>;
  scaling: Array<{key: string; speedup: number | null; efficiency: number | null}>;
  baseline: {label: string; run: string | null; speedup: number | null} | null;
  agreement: Array<{run: string; value: number | null}>;
  stages: Array<{run: string; stage: string; order: number | null; seconds: number | null}>;
  summary: Report["summary"];
}

export function figuresOf(report: Report): ReleaseFigures {
  return {
    runs: [...report.runs].sort((a, b) => a.gpus - b.gpus || a.id.localeCompare(b.id)).map((r) => ({id: r.id, gpus: r.gpus, label: r.label, status: r.status, total_seconds: r.total_seconds})),
    scaling: report.scaling.map((s) => ({key: `${s.from} → ${s.to}`, speedup: s.speedup, efficiency: s.efficiency})),
    baseline: report.baseline ? {label: report.baseline.label, run: report.baseline.run, speedup: report.baseline.speedup} : null,
    agreement: report.correctness.filter((c) => c.level === "consensus").map((c) => ({run: c.run, value: c.label_agreement})),
    stages: report.runs.flatMap((r) => r.stages.map((s) => ({run: r.id, stage: s.name, order: s.order, seconds: s.skipped ? null : s.seconds}))),
    summary: report.summary
  };
}

/**
 * Why a run's value of a metric does not count in this release ('invalid' per-run status of a criterion
 * that reads the metric, e.g. a model mismatch), or null. Read from the archived criteria, not re-judged.
 */
export function invalidReason(report: Report, metric: string, run: string): string | null {
  for (const c of report.criteria.filter((x) => x.metric === metric)) {
    const p = c.per_run?.find((x) => x.run === run);
    if (p?.status === "invalid") return p.reason ?? `${c.id}: invalid`;
  }
  return null;
}

export const fmt = {
  seconds: (s: number | null | undefined) => (s == null ? "—" : `${s.toFixed(1)} s`),
  ratio: (x: number | null | undefined) => (x == null ? "—" : `${x.toFixed(2)}x`),
  percent: (x: number | null | undefined, digits = 2) => (x == null ? "—" : `${(x * 100).toFixed(digits)} %`)
};

/** A per-run value in its criterion's unit and precision ('>= 99.00 %' → '93.09 %', '< 3600 s' → '3200.6 s (53:20)'). */
export function likeTarget(value: number | null, displayTarget: string): string {
  if (value == null) return "no data";
  const digits = (/\.(\d+)/.exec(displayTarget)?.[1] ?? "").length;
  if (displayTarget.endsWith("%")) return fmt.percent(value, digits);
  if (displayTarget.endsWith("x")) return `${value.toFixed(digits || 2)}x`;
  if (displayTarget.endsWith(" s")) return duration(value);
  return String(Number(value.toPrecision(6)));
}
