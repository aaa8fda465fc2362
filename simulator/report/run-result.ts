import type { ExpectationResult } from '../scenario/expectations.ts';
import type { Timeline } from '../scenario/timeline.ts';

/** One scenario file's outcome: its timeline and expectations, or why it could not run. */
export interface RunResult {
  file: string;
  name: string;
  timeline?: Timeline;
  results: ExpectationResult[];
  /** the scenario did not run (bad file, firmware missing, a process that would not start) */
  error?: string;
}

export function passed(r: RunResult): boolean {
  return r.error === undefined && r.results.every((x) => x.ok);
}
