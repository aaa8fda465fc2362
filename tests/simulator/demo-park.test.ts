import { describe, expect, it } from 'vitest';
import { loadFirmwareScript } from '../../simulator/firmware-script.ts';
import { WireTap } from '../../simulator/node/wire-tap.ts';
import { DemoPark } from '../../simulator/park/demo-park.ts';

describe('DemoPark', () => {
  it('boots every registered node in real time and hands its signed frames to the ingest', async () => {
    const park = new DemoPark(await loadFirmwareScript());
    const keys = new Map(park.registry().map((n) => [n.id, n.keyHex as string]));
    const tap = new WireTap((id) => keys.get(id));
    const seen: string[] = [];
    await park.ingest.start((frame) => {
      const r = tap.read(frame.raw, 0, 'serial');
      if (r.ok) seen.push(`${r.observed.node} ${r.observed.message.kind}`);
    });
    park.start();
    await new Promise((r) => setTimeout(r, 500));
    park.stop();
    expect(tap.rejects.size).toBe(0);
    expect(seen.filter((s) => s.endsWith(' hello')).sort()).toEqual([...keys.keys()].map((id) => `${id} hello`).sort());
  });
});
