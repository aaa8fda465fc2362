import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { encodeFrame, FrameDecoder, type FrameReject, MAX_FRAME, seal } from '../../protocol/index.ts';
import { KEY, SAMPLE_MESSAGES } from './samples.ts';

function decode(chunks: string[], maxFrame?: number) {
  const frames: string[] = [];
  const rejects: FrameReject[] = [];
  const decoder = new FrameDecoder({ frame: (p) => frames.push(p), reject: (r) => rejects.push(r) }, maxFrame);
  for (const c of chunks) decoder.push(c);
  return { frames, rejects, decoder };
}

const wires = SAMPLE_MESSAGES.map((m) => seal(nodeSha256, KEY, m));

describe('serial framing', () => {
  it('decodes back-to-back frames split at every byte', () => {
    const stream = wires.map(encodeFrame).join('');
    const { frames, rejects } = decode(stream.split(''));
    expect(frames).toEqual(wires);
    expect(rejects).toEqual([]);
  });

  it('accepts CRLF line ends and ignores blank lines', () => {
    const { frames, rejects } = decode([`\r\n${encodeFrame(wires[0]).replace('\n', '\r\n')}\n\n`]);
    expect(frames).toEqual([wires[0]]);
    expect(rejects).toEqual([]);
  });

  it('rejects a corrupted checksum and still finds the next frame', () => {
    const bad = encodeFrame(wires[0]).replace(/\*[0-9a-f]{4}\n$/, '*0000\n');
    const { frames, rejects } = decode([bad + encodeFrame(wires[1])]);
    expect(frames).toEqual([wires[1]]);
    expect(rejects.map((r) => r.reason)).toEqual(['checksum']);
  });

  it('rejects a flipped payload byte (checksum) and a line without checksum (malformed)', () => {
    const flipped = encodeFrame(wires[2]).replace('"kind"', '"kinD"');
    const { rejects } = decode([flipped, '@PW{"no":"crc"}\n', '@PW{}*zz12\n']);
    expect(rejects.map((r) => r.reason)).toEqual(['checksum', 'malformed', 'malformed']);
  });

  it('rejects a half line cut by the next frame (truncated)', () => {
    const half = encodeFrame(wires[0]).slice(0, 40);
    const { frames, rejects } = decode([half, encodeFrame(wires[1])]);
    expect(frames).toEqual([wires[1]]);
    expect(rejects.map((r) => r.reason)).toEqual(['truncated']);
  });

  it('rejects an oversize line without a newline and resyncs on the next marker', () => {
    const huge = `@PW{"x":"${'a'.repeat(MAX_FRAME * 3)}`;
    const { frames, rejects } = decode([huge, encodeFrame(wires[3])]);
    expect(frames).toEqual([wires[3]]);
    expect(rejects.map((r) => r.reason)).toEqual(['oversize']);
    expect(rejects[0].chunk.length).toBeLessThanOrEqual(80);
  });

  it('reports console chatter between frames as noise, line by line', () => {
    const chatter = ' ____                 _\n>print("hi")\nhi\n=undefined\nUncaught Error: x\n';
    const { frames, rejects } = decode([chatter, encodeFrame(wires[0]), 'garbage', encodeFrame(wires[1])]);
    expect(frames).toEqual([wires[0], wires[1]]);
    expect(rejects.every((r) => r.reason === 'noise')).toBe(true);
    expect(rejects.length).toBe(6);
  });

  it('reset() reports a half frame when a port closes', () => {
    const { decoder, rejects } = decode([encodeFrame(wires[0]).slice(0, 30)]);
    decoder.reset();
    expect(rejects.map((r) => r.reason)).toEqual(['truncated']);
  });

  it('property: random bytes and random splits never throw, and every valid frame is still found', () => {
    const noise = fc.string({ unit: 'binary', maxLength: 200 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noise, fc.integer({ min: 0, max: wires.length - 1 })), { minLength: 1, maxLength: 8 }),
        noise,
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
        (parts, tail, cuts) => {
          // A frame must start on a fresh line or right after noise; noise ending inside an
          // unfinished frame would legitimately swallow the marker, so close noise with '\n'.
          let stream = '';
          const expected: string[] = [];
          for (const [n, i] of parts) {
            stream += `${n}\n${encodeFrame(wires[i])}`;
            expected.push(wires[i]);
          }
          stream += tail;
          const chunks: string[] = [];
          let pos = 0;
          for (let k = 0; pos < stream.length; k++) {
            const len = cuts[k % cuts.length];
            chunks.push(stream.slice(pos, pos + len));
            pos += len;
          }
          const { frames } = decode(chunks);
          expect(frames).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('property: pure noise never throws, and any frame it yields is really in the input with its checksum', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.integer({ min: 1, max: 100 }), (s, step) => {
        const chunks: string[] = [];
        for (let i = 0; i < s.length; i += step) chunks.push(s.slice(i, i + step));
        const { frames } = decode(chunks);
        for (const f of frames) expect(s).toContain(encodeFrame(f).slice(0, -1));
      }),
      { numRuns: 2000 },
    );
  });
});
