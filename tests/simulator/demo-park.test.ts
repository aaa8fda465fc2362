import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startParkwatch } from '../../cli/start.ts';
import { loadFirmwareScript } from '../../simulator/firmware-script.ts';
import { WireTap } from '../../simulator/node/wire-tap.ts';
import { DemoPark } from '../../simulator/park/demo-park.ts';

const fw = await loadFirmwareScript();

describe('DemoPark', () => {
  it('boots every registered node in real time and hands its signed frames to the ingest', async () => {
    const flash = mkdtempSync(join(tmpdir(), 'pw-demo-flash-'));
    const park = new DemoPark(fw);
    const keys = new Map(park.registry().map((n) => [n.id, n.keyHex as string]));
    const tap = new WireTap((id) => keys.get(id));
    const seen: string[] = [];
    await park.ingest.start((frame) => {
      const r = tap.read(frame.raw, 0, 'serial');
      if (r.ok) seen.push(`${r.observed.node} ${r.observed.message.kind}`);
    });
    park.start(flash);
    await new Promise((r) => setTimeout(r, 500));
    park.stop();
    rmSync(flash, { recursive: true, force: true });
    expect(tap.rejects.size).toBe(0);
    expect(seen.filter((s) => s.endsWith(' hello')).sort()).toEqual([...keys.keys()].map((id) => `${id} hello`).sort());
  });

  /**
   * `npm start` twice on the same ./var: the gateway remembers each node's boot counter, so the
   * simulated nodes must keep theirs (their flash folder under the data dir), or the second run's
   * messages are all refused as replays and the pump room's leak never reaches the panel. Run 30x
   * faster than real time: the leak starts 3 simulated minutes in.
   */
  it('alarms on the leak again when started a second time on the same data folder', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pw-demo-var-'));
    const configFile = join(dataDir, 'gateway.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir,
        http: { host: '127.0.0.1', port: 0 },
        localBroker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
        log: { level: 'silent' },
      }),
    );
    const pumpAlarms: { boot: number }[][] = [];
    try {
      for (let run = 0; run < 2; run++) {
        const park = new DemoPark(fw);
        const started = await startParkwatch({ configFile, attach: [() => park.ingest] });
        if (!started) throw new Error('gateway did not start');
        const gateway = started.running.gateway;
        const from = gateway.eventLog.lastSeq();
        gateway.registry.upsert(park.registry(), Date.now());
        park.start(join(dataDir, 'sim-nodes'), 30);
        const alarms = () =>
          gateway.eventLog
            .after(from, 1000)
            .filter((e) => e.kind === 'alarm' && e.node === 'demo-pump')
            .map((e) => ({ boot: e.origin?.boot ?? 0 }));
        await expect.poll(() => alarms().length, { timeout: 90_000, interval: 200 }).toBe(1);
        pumpAlarms.push(alarms());
        park.stop();
        await started.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    // the node booted once per run, and its boot counter went on from the first run
    expect(pumpAlarms).toEqual([[{ boot: 1 }], [{ boot: 2 }]]);
  }, 240_000);
});
