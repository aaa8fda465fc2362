import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { DirectIngest } from '../../gateway/direct-ingest.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { DatabaseOpenError } from '../../gateway/store/database.ts';
import { metric, type Rig, startRig, tempDir, tick, until } from './support/gateway-rig.ts';

/** Troubles the gateway raises itself, and bad conditions it must survive. */
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('gateway troubles', () => {
  it('raises offline after 3 missed heartbeats and clears it when the node returns', async () => {
    let offset = 0;
    rig = await startRig({}, tempDir(), {
      now: () => Date.now() + offset,
      elapsed: () => performance.now() + offset,
    });
    const n1 = rig.node('n1');
    rig.direct.push(n1.heartbeat(10), 'n1');
    await tick();
    offset = 31_000;
    await until(() => rig?.gateway.eventLog.after(0, 10).some((e) => e.kind === 'trouble') ?? false, 3000, 'offline');
    const [trouble] = rig.gateway.eventLog.after(0, 10);
    expect(trouble).toMatchObject({
      kind: 'trouble',
      trouble: 'offline',
      node: 'n1',
      priority: 'trouble',
      origin: { path: 'gateway' },
    });
    expect(rig.gateway.nodeStates.get('n1')).toMatchObject({ online: false, troubles: ['offline'] });
    expect(metric(await rig.metrics(), 'parkwatch_nodes{state="offline"}')).toBe(1);

    rig.direct.push(n1.heartbeat(10), 'n1');
    await tick();
    // the offline trouble's hazard (gateway/hazards/) is logged beside it: not what this test is about
    const back = rig.gateway.eventLog.after(trouble.seq, 10).filter((e) => e.kind !== 'hazard');
    expect(back.map((e) => [e.kind, e.trouble, e.alarm?.state])).toEqual([['trouble_clear', 'offline', 'cleared']]);
    expect(rig.gateway.nodeStates.get('n1')).toMatchObject({ online: true, troubles: [] });
  });

  it('drops the oldest telemetry over the quota, keeps alarms, raises a quota trouble', async () => {
    rig = await startRig({ outbox: { quotaBytes: 4096 } });
    const n1 = rig.node('n1');
    rig.direct.push(n1.alarm(), 'n1');
    for (let i = 0; i < 30; i++) rig.direct.push(n1.telemetry('smoke', 100 + i), 'n1');
    await tick();
    await rig.gateway.maintain();
    await tick();
    const stats = rig.gateway.outbox.stats();
    expect(stats.bytes).toBeLessThanOrEqual(4096 + 1000); // + the quota trouble event itself
    expect(rig.gateway.outbox.peek(0, 0, 10).map((e) => e.kind)).toEqual(['alarm', 'trouble']);
    const trouble = rig.gateway.eventLog.after(0, 100).find((e) => e.kind === 'trouble');
    expect(trouble).toMatchObject({ trouble: 'quota', node: null, ch: 'outbox' });
    expect(metric(await rig.metrics(), 'parkwatch_outbox_dropped_total{reason="quota"}')).toBeGreaterThan(0);
  });

  it('does not acknowledge a batch the disk refused, and stores it when the node re-sends', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    // The store thread's connection refuses every event insert, as SQLite does on a full disk.
    rig.gateway.db.exec(
      "CREATE TRIGGER disk_full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
    const alarm = n1.alarm();
    for (let i = 0; i < 50; i++) rig.direct.push(i === 0 ? alarm : n1.telemetry(), 'n1');
    await tick(20);
    expect(rig.commands.get('n1')).toEqual([]);
    expect(metric(await rig.metrics(), 'parkwatch_store_errors_total')).toBeGreaterThan(0);
    rig.gateway.db.exec('DROP TRIGGER disk_full');
    rig.direct.push(alarm, 'n1');
    await tick();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => e.kind)).toEqual(['alarm']);
    expect(rig.commands.get('n1')).toHaveLength(1);
  });

  it('keeps running when a stage fails to start, and says so', async () => {
    const dir = tempDir();
    const config = validateConfig(
      { dataDir: dir, http: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } },
      't',
    );
    const direct = new DirectIngest();
    const gateway = new Gateway(config, {
      ingest: [
        () => {
          throw new Error('no such port /dev/ttyNOPE');
        },
        () => direct,
      ],
      logger: pino({ level: 'silent' }),
    });
    try {
      await gateway.start();
      const health = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/healthz`)).json();
      expect(health.failed).toEqual({ 'ingest-1': 'no such port /dev/ttyNOPE' });
      await gateway.pipeline.idle();
      const [trouble] = gateway.eventLog.after(0, 10);
      expect(trouble).toMatchObject({ kind: 'trouble', trouble: 'link', ch: 'stage:ingest-1' });
      const [node] = gateway.registry.upsert([{ id: 'n1' }], Date.now());
      expect(node.keyHex).toMatch(/^[0-9a-f]{64}$/);
      expect(direct.push('{}', 'n1')).toBe(true); // the other ingest still runs
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('turns a lost transport link into a link trouble and its return into trouble_clear', async () => {
    const dir = tempDir();
    const config = validateConfig(
      { dataDir: dir, http: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' } },
      't',
    );
    let report: ((up: boolean) => void) | undefined;
    const direct = new DirectIngest();
    const gateway = new Gateway(config, {
      ingest: [
        (ctx) => {
          report = (up) =>
            ctx.onLink({ path: 'serial', via: '/dev/ttyUSB0', up, reason: up ? undefined : 'unplugged' });
          return direct;
        },
      ],
      logger: pino({ level: 'silent' }),
    });
    try {
      await gateway.start();
      report?.(false);
      report?.(false); // reported twice: one trouble
      await gateway.pipeline.idle();
      report?.(true);
      await gateway.pipeline.idle();
      const events = gateway.eventLog.after(0, 10);
      expect(events.map((e) => [e.kind, e.trouble, e.ch, e.node])).toEqual([
        ['trouble', 'link', 'serial:/dev/ttyUSB0', null],
        ['trouble_clear', 'link', 'serial:/dev/ttyUSB0', null],
      ]);
      expect(events[0].data).toMatchObject({ via: '/dev/ttyUSB0', reason: 'unplugged' });
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a corrupt database with a clear error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'parkwatch.sqlite'), 'not a database '.repeat(200));
    const config = validateConfig({ dataDir: dir, log: { level: 'silent' } }, 't');
    expect(() => new Gateway(config, { logger: pino({ level: 'silent' }) })).toThrow(DatabaseOpenError);
    expect(() => new Gateway(config, { logger: pino({ level: 'silent' }) })).toThrow(
      /cannot open the database .*parkwatch\.sqlite/,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('event log retention', () => {
  it('prunes expired telemetry from the log and keeps every other kind', async () => {
    let offset = 0;
    rig = await startRig({ outbox: { telemetryTtlS: 60 } }, tempDir(), { now: () => Date.now() + offset });
    const n1 = rig.node('n1');
    rig.direct.push(n1.telemetry(), 'n1');
    rig.direct.push(n1.alarm(), 'n1');
    rig.direct.push(n1.telemetry(), 'n1');
    await tick();
    offset = 30_000;
    rig.direct.push(n1.telemetry(), 'n1');
    await tick();
    offset = 61_000;
    await rig.gateway.maintain();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => e.kind)).toEqual(['alarm', 'telemetry']);
    expect(rig.gateway.outbox.peek(1, 0, 10)).toHaveLength(1);

    // the newest row pruned too: after a restart the gateway seq still never repeats
    offset = 200_000;
    await rig.gateway.maintain();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => e.kind)).toEqual(['alarm']);
    await rig.restart();
    rig.direct.push(n1.alarm(), 'n1');
    await tick();
    expect(rig.gateway.eventLog.after(0, 10).map((e) => e.seq)).toEqual([2, 5]);
  });
});
