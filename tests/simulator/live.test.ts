import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA } from '../../simulator/eval/eval-cli.ts';
import { runScenarioFile } from '../../simulator/scenario/run.ts';

/**
 * Live mode end to end: the real gateway process, a real Mosquitto cloud, TCP and socat PTYs,
 * SIGKILL of the gateway, the cloud broker stopped, socat killed. About a minute of real time.
 */
describe('live scenario', () => {
  it('simulator/scenarios/live-park.yaml meets every expectation against real processes', async () => {
    const r = await runScenarioFile('simulator/scenarios/live-park.yaml', { dataDir: DEFAULT_DATA });
    const failed = r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`);
    expect({ error: r.error, failed }).toEqual({ error: undefined, failed: [] });
    // the run must have seen real traffic, not an empty timeline
    expect(r.timeline?.entries.some((e) => e.kind === 'alarm')).toBe(true);
    expect(r.timeline?.wireEvents.size).toBeGreaterThan(2);
  }, 150_000);
});
