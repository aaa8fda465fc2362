import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HAZARD_RULES } from '../../gateway/hazards/hazard-rules.ts';
import { type Rig, startRig, tempDir, tick, until } from '../gateway/support/gateway-rig.ts';

/**
 * Hazards to closure on the gateway (SQLite on disk): a trouble that needs a person opens one
 * with its owner and deadline, the deadline passing makes it overdue, and every change,
 * including `parkwatch hazards update` from another process, is stored as a `hazard` event.
 */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

const hazardEvents = (r: Rig) => r.gateway.eventLog.after(0, 1000).filter((e) => e.kind === 'hazard');

function cli(args: string[]): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

describe('hazards', () => {
  it('opens a hazard from a low battery, makes it overdue after 72 h, and logs each change as an event', async () => {
    let offset = 0;
    const dir = tempDir();
    rig = await startRig({}, dir, { now: () => Date.now() + offset });
    const n1 = rig.node('n1');
    rig.direct.push(n1.wire('trouble', '', { code: 'battery_low' }), 'n1');
    // the same trouble again (re-raised after a reboot) does not open a second hazard
    rig.direct.push(n1.wire('trouble', '', { code: 'battery_low' }), 'n1');
    await tick();
    const r = rig;
    await until(() => hazardEvents(r).length === 1, 5000, 'hazard opened');
    const [opened] = hazardEvents(rig);
    expect(opened).toMatchObject({
      priority: 'trouble',
      node: 'n1',
      placement: { enterprise: 'E1', zone: 'Z1' },
      data: { hazard: 1, cause: 'battery_low', severity: 'medium', state: 'open', owner: 'E1', overdue: false },
    });
    expect((opened.data.deadline as number) - (opened.data.openedAt as number)).toBe(
      HAZARD_RULES.battery_low.deadlineMs,
    );

    const marked = cli(['hazards', 'update', '1', '--state', 'rectifying', '--by', '李工', '--data', dir]);
    expect(marked.status, marked.out).toBe(0);
    const refused = cli(['hazards', 'update', '1', '--state', 'closed', '--data', dir]);
    expect(refused.status).toBe(2);
    expect(refused.out).toMatch(/closing a hazard needs --note/);
    rig.gateway.hazards.tick();
    await until(() => hazardEvents(r).length === 2, 5000, 'rectifying logged');
    expect(hazardEvents(rig)[1].data).toMatchObject({ state: 'rectifying', by: '李工', overdue: false });

    offset = 73 * 3_600_000;
    rig.gateway.hazards.tick();
    await until(() => hazardEvents(r).length === 3, 5000, 'overdue logged');
    expect(hazardEvents(rig)[2].data).toMatchObject({ hazard: 1, state: 'rectifying', overdue: true });
    const listed = cli(['hazards', 'list', '--overdue', '--json', '--data', dir]);
    expect(listed.status, listed.out).toBe(0);
    expect(JSON.parse(listed.out).map((h: { id: number }) => h.id)).toEqual([1]);

    const closed = cli([
      'hazards',
      'update',
      '1',
      '--state',
      'closed',
      '--note',
      '已更换电池 / battery replaced',
      '--data',
      dir,
    ]);
    expect(closed.status, closed.out).toBe(0);
    rig.gateway.hazards.tick();
    await until(() => hazardEvents(r).length === 4, 5000, 'closed logged');
    expect(hazardEvents(rig)[3].data).toMatchObject({
      state: 'closed',
      note: '已更换电池 / battery replaced',
      overdue: false,
    });
    // overdue once: further ticks log nothing new
    rig.gateway.hazards.tick();
    await tick(50);
    expect(hazardEvents(rig)).toHaveLength(4);
    expect(JSON.parse(cli(['hazards', 'list', '--overdue', '--json', '--data', dir]).out)).toEqual([]);
  }, 120_000);

  it('opens a hazard when one node has three false alarms within a week, not for drill alarms', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    for (let i = 0; i < 3; i++) {
      rig.direct.push(n1.alarm(), 'n1');
      await tick();
      rig.direct.push(n1.clear(), 'n1');
      await tick();
    }
    const r = rig;
    await until(() => hazardEvents(r).length === 1, 5000, 'false-alarm hazard');
    expect(hazardEvents(rig)[0].data).toMatchObject({ cause: 'false_alarms', severity: 'medium' });
    expect(hazardEvents(rig)[0].node).toBe('n1');

    const n2 = rig.node('n2');
    rig.gateway.drills.start({ enterprise: 'E1', by: 'test' });
    for (let i = 0; i < 3; i++) {
      rig.direct.push(n2.alarm(), 'n2');
      await tick();
      rig.direct.push(n2.clear(), 'n2');
      await tick();
    }
    await tick(50);
    expect(hazardEvents(rig).filter((e) => e.node === 'n2')).toEqual([]);
  });
});
