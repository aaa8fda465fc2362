import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { derivedBase, GbtAddressBook, parseGbtAddress } from '../../gateway/gbt26875/addresses.ts';
import { Gbt26875Config } from '../../gateway/gbt26875/config.ts';
import { EventMapper } from '../../gateway/gbt26875/mapping.ts';
import { FIRE_LANE, OTHER_LANE, openGbtDatabase, SqliteGbtQueue } from '../../gateway/gbt26875/queue.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { tempDir } from './support/gateway-rig.ts';

/** Event -> frame mapping (whole component state per frame), the address book and the queue on disk. */
const config = Gbt26875Config.parse({ enabled: true });
let seq = 0;
function event(kind: DecidedEvent['kind'], extra: Partial<DecidedEvent> = {}): DecidedEvent {
  seq++;
  return {
    id: `gw1:${seq}`,
    seq,
    gw: 'gw1',
    park: 'p',
    kind,
    priority: 'fire',
    at: Date.UTC(2026, 11, 3, 2, 0, 0),
    receivedAt: Date.UTC(2026, 11, 3, 2, 0, 0),
    node: 'n1',
    ch: 'smoke',
    placement: { enterprise: 'E', site: 'S', zone: 'A1', location: '东墙' },
    data: {},
    ...extra,
  };
}
const bitsOf = (f: ReturnType<EventMapper['map']>) =>
  ((f as NonNullable<typeof f>).data as unknown as { objects: { status: { bits: string[] } }[] }).objects[0].status
    .bits;

const dir = tempDir('pw-gbt-map-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GB/T 26875 event mapping', () => {
  it('reports the whole component state: fire stays through a trouble and its clear', () => {
    const m = new EventMapper(config, () => ({ systemAddress: 1, componentAddress: 100 }));
    const alarm = m.map(event('alarm'));
    expect(alarm?.lane).toBe(FIRE_LANE);
    expect(alarm?.data).toMatchObject({
      type: 2,
      objects: [{ componentType: 42, componentAddress: 100, description: 'A1东墙', time: '2026-12-03 10:00:00' }],
    });
    expect(bitsOf(alarm)).toEqual(['normal', 'fire']);
    expect(bitsOf(m.map(event('trouble', { priority: 'trouble', trouble: 'dirty' })))).toEqual([
      'normal',
      'fire',
      'fault',
    ]);
    expect(bitsOf(m.map(event('trouble_clear', { priority: 'trouble', trouble: 'dirty' })))).toEqual([
      'normal',
      'fire',
    ]);
    expect(m.deviceStatus()).toBe(0b011); // normal + fire while the smoke alarm is active
    const clear = m.map(event('clear'));
    expect(clear?.lane).toBe(FIRE_LANE);
    expect(bitsOf(clear)).toEqual(['normal']);
    expect(bitsOf(m.map(event('test', { priority: 'info' })))).toEqual([]); // b0 = 0: test
  });

  it('sends a water alarm as supervisory on the other lane; skips pre-alarms and telemetry', () => {
    const m = new EventMapper(config, () => ({ systemAddress: 1, componentAddress: 101 }));
    const water = m.map(event('alarm', { priority: 'water', ch: 'water' }));
    expect(water?.lane).toBe(OTHER_LANE);
    expect(water?.data).toMatchObject({ objects: [{ componentType: 128 }] });
    expect(bitsOf(water)).toEqual(['normal', 'supervisory']);
    expect(m.map(event('prealarm'))).toBeUndefined();
    expect(m.map(event('telemetry', { priority: 'telemetry' }))).toBeUndefined();
  });

  it('maps gateway troubles to the device status and operator actions to operation records', () => {
    const m = new EventMapper(config, () => ({ systemAddress: 1, componentAddress: 1 }));
    const t = m.map(event('trouble', { node: null, ch: 'serial', priority: 'trouble', trouble: 'link' }));
    expect(t?.data).toMatchObject({ type: 21, objects: [{ status: { bits: ['fault'] } }] });
    const back = m.map(event('trouble_clear', { node: null, ch: 'serial', priority: 'trouble', trouble: 'link' }));
    expect(back?.data).toMatchObject({ type: 21, objects: [{ status: { bits: ['normal'] } }] });
    // the centre link's own trouble is the device's "link to the centre fault" bit, not a general fault
    const link = { node: null, ch: '', priority: 'trouble' as const, trouble: 'centre_link' as const };
    expect(m.map(event('trouble', link))?.data).toMatchObject({
      type: 21,
      objects: [{ status: { bits: ['centre_link_fault'] } }],
    });
    expect(
      m.map(event('trouble', { node: null, ch: 'serial', priority: 'trouble', trouble: 'link' }))?.data,
    ).toMatchObject({ objects: [{ status: { bits: ['fault', 'centre_link_fault'] } }] });
    m.map(event('trouble_clear', { node: null, ch: 'serial', priority: 'trouble', trouble: 'link' }));
    expect(m.map(event('trouble_clear', link))?.data).toMatchObject({ objects: [{ status: { bits: ['normal'] } }] });
    expect(m.map(event('silence', { priority: 'info' }))?.data).toMatchObject({
      type: 24,
      objects: [{ operation: { bits: ['silence'] } }],
    });
  });

  it('addresses channels from an explicit or derived base and keeps serials and the cursor on disk', () => {
    expect(parseGbtAddress('2:4096', 1)).toEqual({ systemAddress: 2, base: 4096 });
    expect(parseGbtAddress('77', 3)).toEqual({ systemAddress: 3, base: 77 });
    expect(() => parseGbtAddress('300:1', 1)).toThrow(/SYS:BASE/);
    expect(derivedBase('n-0101') % 8).toBe(0);
    expect(derivedBase('n-0101')).toBe(derivedBase('n-0101'));
    let db = openGbtDatabase(dir);
    const book = new GbtAddressBook(db, 1);
    book.set('n1', { systemAddress: 2, base: 4096 });
    expect(book.componentOf('n1', ['smoke', 'water'], 'water')).toEqual({ systemAddress: 2, componentAddress: 4097 });
    expect(book.componentOf('n2', ['smoke'], '')).toEqual({ systemAddress: 1, componentAddress: derivedBase('n2') });
    let q = new SqliteGbtQueue(db);
    expect(q.cursor()).toBeUndefined();
    const m = new EventMapper(config, () => ({ systemAddress: 1, componentAddress: 1 }));
    const f = m.map(event('alarm')) as NonNullable<ReturnType<EventMapper['map']>>;
    q.enqueue([f], f.eventSeq as number);
    const serial = q.serialFor((q.head(FIRE_LANE) as { id: number }).id);
    db.close();
    db = openGbtDatabase(dir);
    q = new SqliteGbtQueue(db);
    const head = q.head(FIRE_LANE) as { id: number; serial: number };
    expect(head.serial).toBe(serial);
    expect(q.serialFor(head.id)).toBe(serial); // a resend after a restart repeats it
    expect(q.cursor()).toBe(f.eventSeq);
    expect(q.nextSerial()).toBe(serial + 1);
    q.remove(head.id);
    expect(q.depth()).toBe(0);
    db.close();
  });
});
