import { passed, type RunResult } from './run-result.ts';

/** JUnit XML for CI: one testsuite per scenario file, one testcase per expectation. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(runs: RunResult[]): string {
  const suites = runs.map((r) => {
    const time = ((r.timeline?.wallMs ?? 0) / 1000).toFixed(3);
    if (r.error !== undefined) {
      return `  <testsuite name="${esc(r.name)}" tests="1" failures="0" errors="1" time="${time}">
    <testcase classname="${esc(r.file)}" name="run"><error message="${esc(r.error)}"/></testcase>
  </testsuite>`;
    }
    const cases = r.results.map(
      (x) =>
        `    <testcase classname="${esc(r.file)}" name="${esc(x.label)}">${
          x.ok ? '' : `<failure message="${esc(x.detail)}"/>`
        }<system-out>${esc(x.detail)}</system-out></testcase>`,
    );
    const failures = r.results.filter((x) => !x.ok).length;
    return `  <testsuite name="${esc(r.name)}" tests="${r.results.length}" failures="${failures}" errors="0" time="${time}">
${cases.join('\n')}
  </testsuite>`;
  });
  const failed = runs.filter((r) => !passed(r)).length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="parkwatch sim" tests="${runs.length}" failures="${failed}">
${suites.join('\n')}
</testsuites>
`;
}
