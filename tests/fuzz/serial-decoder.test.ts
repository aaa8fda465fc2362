import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16 } from '../../protocol/crc16.ts';
import { encodeFrame, FrameDecoder, type FrameReject, MAX_FRAME } from '../../protocol/framing.ts';
import { heapGrowth } from './heap-growth.ts';

/**
 * Serial decoder under random and mutated input: it never throws, never lets a corrupted
 * payload through, recovers every intact frame after noise, and keeps no memory per byte.
 */

function decode(chunks: string[]): { frames: string[]; rejects: FrameReject[] } {
  const frames: string[] = [];
  const rejects: FrameReject[] = [];
  const decoder = new FrameDecoder({ frame: (p) => frames.push(p), reject: (r) => rejects.push(r) });
  for (const c of chunks) decoder.push(c);
  decoder.reset();
  return { frames, rejects };
}

/** Splits s at the given (sorted, deduplicated) cut points. */
function cut(s: string, points: number[]): string[] {
  const at = [...new Set(points.map((p) => p % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of at) {
    out.push(s.slice(prev, p));
    prev = p;
  }
  out.push(s.slice(prev));
  return out;
}

/** Payloads like the canonical JSON a node sends: printable ASCII without '@' (no start marker inside). */
const payload = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c === 0x40 ? 0x41 : c)),
  minLength: 1,
  maxLength: MAX_FRAME - 10,
});
/** Console chatter and line noise that holds no start marker. */
const noise = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c === 0x40 ? 0x3e : c)),
  maxLength: 120,
});

describe('fuzz: serial FrameDecoder', () => {
  it('never throws on random bytes split anywhere, and every reject names a reason', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 4000 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (s, points) => {
          const { rejects } = decode(cut(s, points));
          for (const r of rejects) expect(r.chunk.length).toBeLessThanOrEqual(80);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('recovers every intact frame between noise lines, in order, however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noise, payload), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (parts, points) => {
          // noise ends its own line so a frame always starts on a fresh line or after chatter
          const stream = parts.map(([n, p]) => `${n}\n${encodeFrame(p)}`).join('');
          const { frames } = decode(cut(stream, points));
          expect(frames).toEqual(parts.map(([, p]) => p));
        },
      ),
      { numRuns: 10_000 },
    );
  });

  /** The frame with one byte replaced, dropped or inserted at `where` (never the final newline). */
  function mutate(frame: string, where: number, byte: number, how: 'replace' | 'drop' | 'insert'): string {
    const i = where % (frame.length - 1);
    const ch = String.fromCharCode(byte);
    if (how === 'replace') return frame.slice(0, i) + ch + frame.slice(i + 1);
    if (how === 'drop') return frame.slice(0, i) + frame.slice(i + 1);
    return frame.slice(0, i) + ch + frame.slice(i);
  }

  // A CRC-16 detects every error burst of up to 16 bits, so one replaced byte never passes.
  it('never delivers a payload with one byte replaced on the line', () => {
    fc.assert(
      fc.property(payload, fc.nat(), fc.integer({ min: 0, max: 255 }), (p, where, byte) => {
        const frame = encodeFrame(p);
        const mutated = mutate(frame, where, byte, 'replace');
        const { frames } = decode([mutated]);
        if (mutated === frame) expect(frames).toEqual([p]);
        else expect(frames).toEqual([]);
      }),
      { numRuns: 15_000 },
    );
  });

  // A dropped or inserted byte shifts the data, which no 16-bit CRC can always catch: about one
  // in 65,536 such frames keeps its checksum (the HMAC on every message is what rejects those).
  // The decoder may only let through a payload whose CRC really matches, and no more often than that.
  it('lets a dropped or inserted byte through only on a true CRC collision, at about 2^-16', () => {
    let passed = 0;
    const runs = 60_000;
    fc.assert(
      fc.property(
        payload,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom<'drop' | 'insert'>('drop', 'insert'),
        (p, where, byte, how) => {
          const frame = encodeFrame(p);
          const mutated = mutate(frame, where, byte, how);
          const { frames } = decode([mutated]);
          for (const f of frames) {
            if (f === p) continue; // the byte went in before the start marker, as line noise
            expect(crc16(f)).toBe(crc16(p));
            passed++;
          }
        },
      ),
      { numRuns: runs, seed: 20261203 },
    );
    // expected about 0.9 at 2^-16; 5 would mean a weaker check than a CRC-16
    expect(passed).toBeLessThan(5);
  });

  it('keeps no memory for an endless line without newline or marker (a babbling port)', async () => {
    const decoder = new FrameDecoder({ frame: () => undefined, reject: () => undefined });
    const chunk = 'x'.repeat(4096);
    const growth = await heapGrowth(() => {
      for (let i = 0; i < 2500; i++) decoder.push(chunk); // 10 MB per round
    });
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });

  it('keeps no memory over many random inputs', async () => {
    const inputs = fc.sample(fc.string({ unit: 'binary', maxLength: 2000 }), { numRuns: 2000, seed: 5 });
    const growth = await heapGrowth(() => {
      for (const s of inputs) decode([s]);
    });
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });
});
