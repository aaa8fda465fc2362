import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeToJson,
  encodeAppData,
  encodeDescription,
  encodeFrame,
  FrameSplitter,
  GbtError,
  jsonToFrame,
} from '../../protocol/gbt26875/index.ts';

/**
 * Golden vectors. Both frames are copied from the dgiot project's Erlang GB/T 26875 decoder
 * (github.com/dgiot/dgiot, apps/dgiot_gb26875/src/protocol/dgiot_gb26875_decoder.erl, Apache-2.0):
 * FIRE_EXAMPLE is its test() frame, the component-status fire example that circulates with the
 * standard; FIELD_FIRE is the 光电感烟探测器火警 frame in its comments, from a real panel (its
 * version bytes are 10 00 and its description has text after a NUL, as field devices send).
 * Both checksums hold and both frames round-trip byte for byte.
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const FIRE_EXAMPLE = hex(`4040 0000 0101 180d11160a14 000000000000 060504030201 3000 02
  02 01 01 03 00 d9000600 0200 a3c1c7f8a3b1b2e3dfc8b2b8d7dfc0c8 000000000000000000000000000000 301213010814
  68 2323`);
const FIELD_FIRE = hex(`4040 1400 1000 0509091b0715 2c312c320000 784d07918e23 3000 02
  02 01 01 01 2a 01000100 0200 31bac5bdd3bfdab0e531bbd8c2b731bac500bac5d6f7bbfaf898cfa0000000 25110301060c
  47 2323`);

function reason(bytes: Uint8Array): string {
  try {
    decodeFrame(bytes);
  } catch (err) {
    if (err instanceof GbtError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('GB/T 26875.3 codec', () => {
  it('decodes the standard example fire frame exactly', () => {
    expect(decodeToJson(FIRE_EXAMPLE)).toEqual({
      serial: 0,
      version: { major: 1, user: 1 },
      time: '2020-10-22 17:13:24',
      source: '000000000000',
      destination: '060504030201',
      command: 'send_data',
      data: {
        type: 2,
        name: 'component_status',
        objects: [
          {
            systemType: 1,
            systemAddress: 3,
            componentType: 0,
            componentAddress: 0x000600d9,
            status: { raw: 2, bits: ['fire'] },
            description: 'Ａ区１层呷哺走廊',
            time: '2020-08-01 19:18:48',
          },
        ],
      },
    });
  });

  it('decodes a field panel photoelectric smoke fire frame', () => {
    const j = decodeToJson(FIELD_FIRE);
    expect(j).toMatchObject({ serial: 20, version: { major: 16, user: 0 }, command: 'send_data' });
    expect(j.data).toMatchObject({
      type: 2,
      objects: [{ systemType: 1, systemAddress: 1, componentType: 42, componentAddress: 0x00010001 }],
    });
    const o = (j.data as unknown as { objects: { description: string }[] }).objects[0];
    expect(o.description.startsWith('1号接口板1回路1号\u0000')).toBe(true);
  });

  it('round-trips both golden frames through JSON', () => {
    for (const frame of [FIRE_EXAMPLE, FIELD_FIRE]) expect(jsonToFrame(decodeToJson(frame)).equals(frame)).toBe(true);
  });

  it('rejects every frame with one byte changed, each with a reason', () => {
    for (const frame of [FIRE_EXAMPLE, FIELD_FIRE])
      for (let i = 0; i < frame.length; i++) {
        const bad = Buffer.from(frame);
        bad[i] = (bad[i] + 1) & 0xff;
        expect(reason(bad), `byte ${i}`).not.toBe('accepted');
      }
    const bad = Buffer.from(FIRE_EXAMPLE);
    bad[40] ^= 0x10;
    expect(reason(bad)).toBe('checksum');
    expect(reason(FIRE_EXAMPLE.subarray(0, 29))).toBe('short');
    expect(reason(Buffer.concat([FIRE_EXAMPLE, Buffer.from([0])]))).toBe('length');
  });

  it('refuses oversize data, bad commands, bad times and bad object counts', () => {
    const base = {
      serial: 1,
      version: { major: 1, user: 0 },
      time: '2026-12-03 10:00:00',
      source: '000000000001',
      destination: '000000000000',
      command: 2,
    };
    expect(() => encodeFrame({ ...base, data: Buffer.alloc(1025) })).toThrow(/oversize/);
    const oversize = encodeFrame({ ...base, data: Buffer.alloc(1024) });
    oversize.writeUInt16LE(1025, 24);
    expect(reason(oversize)).toBe('oversize');
    const unknownCommand = encodeFrame({ ...base, command: 7, data: Buffer.alloc(0) });
    expect(reason(unknownCommand)).toBe('command');
    const badTime = encodeFrame({ ...base, data: Buffer.alloc(0) });
    const month = badTime[10];
    badTime[10] = 13; // month 13, checksum kept right so the time check is what refuses it
    badTime[badTime.length - 3] = (badTime[badTime.length - 3] + 13 - month) & 0xff;
    expect(reason(badTime)).toBe('time');
    // type 2 says 2 objects but carries one
    const data = encodeAppData({
      type: 2,
      objects: [
        { systemType: 1, systemAddress: 1, componentType: 42, componentAddress: 1, status: 3, time: base.time },
      ],
    });
    data[1] = 2;
    expect(() => decodeToJson(encodeFrame({ ...base, data }))).toThrow(/data/);
    expect(() =>
      jsonToFrame({ ...base, command: 'send_data', data: { type: 21, objects: [{ status: 256, time: base.time }] } }),
    ).toThrow(/field/);
  });

  it('keeps unknown types raw and reads downstream queries, clock sync and duty check', () => {
    const base = { serial: 9, time: '2026-12-03 10:00:00', source: '000000000000', destination: '000000000001' };
    const raw = decodeToJson(jsonToFrame({ ...base, command: 'send_data', data: { type: 200, raw: '0102ff' } }));
    expect(raw.data).toEqual({ type: 200, name: 'user_200', raw: '0102ff' });
    const sync = decodeToJson(
      jsonToFrame({ ...base, command: 'control', data: { type: 90, objects: [{ clock: '2026-12-03 18:00:01' }] } }),
    );
    expect(sync).toMatchObject({
      command: 'control',
      data: { name: 'clock_sync', objects: [{ clock: '2026-12-03 18:00:01' }] },
    });
    const duty = decodeToJson(
      jsonToFrame({ ...base, command: 'control', data: { type: 91, objects: [{ timeoutMin: 5 }] } }),
    );
    expect(duty.data).toMatchObject({ name: 'duty_check', objects: [{ timeoutMin: 5 }] });
    const status = decodeToJson(
      jsonToFrame({
        ...base,
        command: 'respond',
        data: { type: 21, objects: [{ status: { bits: ['normal', 'centre_link_fault'] }, time: base.time }] },
      }),
    );
    expect(status.data).toMatchObject({
      objects: [{ status: { raw: 0b100001, bits: ['normal', 'centre_link_fault'] } }],
    });
    expect(decodeToJson(jsonToFrame({ ...base, command: 'confirm' })).data).toBeNull();
  });

  it('cuts GB18030 descriptions at 31 bytes on a character boundary', () => {
    const d = encodeDescription('一二三四五六七八九十一二三四五六'); // 16 characters, 32 bytes
    expect(d.length).toBe(31);
    expect(d[30]).toBe(0); // the 16th character did not fit and was not split
  });

  it('splits a stream: junk, split chunks, oversize lengths; holds at most one frame', () => {
    const frames: Buffer[] = [];
    const junk: string[] = [];
    const s = new FrameSplitter(
      (f) => frames.push(f),
      (e) => junk.push(e.code),
    );
    const stream = Buffer.concat([
      Buffer.from('hello'),
      FIRE_EXAMPLE,
      Buffer.from([0x40, 0x40]),
      Buffer.alloc(22),
      Buffer.from([0xff, 0xff]),
      FIELD_FIRE,
    ]);
    for (let i = 0; i < stream.length; i += 7) s.push(stream.subarray(i, i + 7));
    expect(frames.map((f) => f.toString('hex'))).toEqual([FIRE_EXAMPLE.toString('hex'), FIELD_FIRE.toString('hex')]);
    expect(junk).toContain('oversize');
    // slow loris: a frame that claims 1024 bytes and never ends
    const head = Buffer.alloc(26);
    head[0] = 0x40;
    head[1] = 0x40;
    head.writeUInt16LE(1024, 24);
    s.push(head);
    for (let i = 0; i < 5000; i++) s.push(Buffer.from([0x23]));
    expect(s.pending).toBeLessThanOrEqual(1054);
  });

  it('parkwatch gbt26875 decode prints JSON, exits 1 with the reason for a bad frame; encode reads it back', () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
    const ok = spawnSync(process.execPath, [bin, 'gbt26875', 'decode', FIRE_EXAMPLE.toString('hex')], {
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    // exactly the decode pinned field by field in the first test
    expect(JSON.parse(ok.stdout)).toEqual(decodeToJson(FIRE_EXAMPLE));
    const bad = Buffer.from(FIRE_EXAMPLE);
    bad[30] ^= 1;
    const no = spawnSync(process.execPath, [bin, 'gbt26875', 'decode', bad.toString('hex')], { encoding: 'utf8' });
    expect(no.status).toBe(1);
    expect(no.stderr).toMatch(/checksum/);
    const back = spawnSync(process.execPath, [bin, 'gbt26875', 'encode'], { input: ok.stdout, encoding: 'utf8' });
    expect(back.status).toBe(0);
    expect(back.stdout.trim()).toBe(FIRE_EXAMPLE.toString('hex'));
  }, 120_000); // three CLI processes, each under tsx when the sources are newer than the compiled files

  it('stays out of the firmware: nothing under firmware/ or the Espruino-safe protocol/ files imports it', () => {
    const root = join(import.meta.dirname, '..', '..');
    const files = [
      ...readdirSync(join(root, 'protocol'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, 'protocol', f)),
      ...readdirSync(join(root, 'firmware'), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, 'firmware', f)),
    ];
    const importers = files.filter((f) => /gbt26875/.test(readFileSync(f, 'utf8')));
    expect(importers).toEqual([]);
  });
});
