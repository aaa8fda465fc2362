import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { type Rig, startRig, tick } from './support/gateway-rig.ts';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
});

describe('node registry cache', () => {
  it('reloads when nodes change from another connection, not on every commit of the store thread', async () => {
    rig = await startRig();
    const n1 = rig.node('n1');
    const cached = rig.gateway.registry.list()[0];
    rig.direct.push(n1.alarm(), 'n1');
    await tick();
    expect(rig.gateway.eventLog.after(0, 10)).toHaveLength(1);
    expect(rig.gateway.registry.list()[0]).toBe(cached); // the same object: not reloaded
    const other = openDatabase(rig.dir); // as `parkwatch nodes add` does
    new NodeRegistry(other).upsert([{ id: 'n2', zone: 'Z2' }], Date.now());
    other.close();
    expect(rig.gateway.registry.list().map((n) => [n.id, n.zone])).toEqual([
      ['n1', 'Z1'],
      ['n2', 'Z2'],
    ]);
    const again = openDatabase(rig.dir);
    new NodeRegistry(again).remove('n2');
    again.close();
    expect(rig.gateway.registry.get('n2')).toBeUndefined();
  });
});
