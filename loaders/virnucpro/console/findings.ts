/**
 * The findings of one run, shared by the sections of the console-log parser. Sections only append;
 * the order they append in is the tie-break between findings on one line (\r-joined records share a
 * physical line), so the run parser calls them in a fixed order.
 */
import type {Finding} from "../records.ts";

export class Findings {
  private readonly list: Finding[] = [];

  add(code: string, severity: Finding["severity"], message: string, line: number | null, affects: string[]): void {
    this.list.push({code, severity, message, line, affects});
  }

  /** By line (findings without one last), then in the order they were found. */
  sorted(): Finding[] {
    return this.list
      .map((finding, index) => ({finding, index}))
      .sort((a, b) => (a.finding.line ?? Infinity) - (b.finding.line ?? Infinity) || a.index - b.index)
      .map(({finding}) => finding);
  }
}
