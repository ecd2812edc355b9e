/**
 * The headline figures of one archived report, as the index and the trend page compare them across
 * releases. Read straight from the report's fields: no arithmetic here, so the archive shows exactly
 * what each release's own pages show.
 */
import {METRICS} from "../report/criteria.ts";
import {formatUnit, NA, statusWord} from "../render/format.ts";
import type {Report} from "../report/types.ts";

/** One run's value of a criterion, with that run's verdict (an invalid value stays marked invalid). */
export interface RunValue {
  run: string;
  value: number | null;
  display_value: string | null;
  status: string;
}

export interface ReleaseFigures {
  runs: Array<{id: string; gpus: number; label: string | null; status: string; status_reason: string | null; total_seconds: number | null}>;
  /** the run "headline" figures mean (the report's v_headline) */
  headline_run: string | null;
  scaling: Array<{key: string; speedup: number | null; efficiency: number | null}>;
  baseline: {label: string; run: string | null; speedup: number | null} | null;
  /** status: the consensus-agreement criterion's verdict for that run, null when no criterion judges it */
  agreement: Array<{run: string; value: number | null; status: string | null}>;
  /** criteria judged on several runs: each run's value next to its status, and which run the headline value is */
  criteria: Array<{id: string; label: string; status: string; display_value: string | null; value_run: string | null; per_run: RunValue[]}>;
  stages: Array<{run: string; stage: string; order: number | null; seconds: number | null}>;
  summary: Report["summary"];
}

export function figuresOf(report: Report): ReleaseFigures {
  const agreementVerdict = report.criteria.find((c) => c.metric === "correctness.consensus.label_agreement");
  return {
    runs: [...report.runs].sort((a, b) => a.gpus - b.gpus || a.id.localeCompare(b.id)).map((r) => ({id: r.id, gpus: r.gpus, label: r.label, status: r.status, status_reason: r.status_reason ?? null, total_seconds: r.total_seconds})),
    scaling: report.scaling.map((s) => ({key: `${s.from} → ${s.to}`, speedup: s.speedup, efficiency: s.efficiency})),
    headline_run: report.headline_run ?? report.baseline?.run ?? null,
    baseline: report.baseline ? {label: report.baseline.label, run: report.baseline.run, speedup: report.baseline.speedup} : null,
    agreement: report.correctness
      .filter((c) => c.level === "consensus")
      .map((c) => ({run: c.run, value: c.label_agreement, status: agreementVerdict?.per_run?.find((p) => p.run === c.run)?.status ?? (agreementVerdict?.value_run === c.run ? agreementVerdict.status : null)})),
    criteria: report.criteria
      .filter((c) => (c.per_run?.length ?? 0) > 1)
      .map((c) => ({
        id: c.id,
        label: c.label,
        status: c.status,
        display_value: c.display_value,
        value_run: c.value_run ?? null,
        // reports archived before per-run display values existed: format as the criterion's unit
        per_run: c.per_run!.map((p) => ({run: p.run, value: p.value, display_value: p.display_value ?? (p.value === null ? null : formatUnit(METRICS[c.metric]?.unit ?? "number", p.value)), status: p.status}))
      })),
    stages: report.runs.flatMap((r) => r.stages.map((s) => ({run: r.id, stage: s.name, order: s.order, seconds: s.skipped ? null : s.seconds}))),
    summary: report.summary
  };
}

/** "value STATUS" for one run's value of a criterion; the status is always shown, so an invalid value reads as one. */
export function runValueHtml(v: {run: string; display_value: string | null; status: string | null}, esc: (s: string) => string): string {
  return `<span class="run-value" data-run="${esc(v.run)}" data-status="${esc(v.status ?? "unjudged")}"><code>${esc(v.run)}</code> ${esc(v.display_value ?? NA)}${v.status ? ` <span class="status status--${esc(v.status)}">${esc(statusWord(v.status))}</span>` : ""}</span>`;
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

