import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InboundFrame } from '../../gateway/ingest/inbound.ts';
import { verifyFrame } from '../../gateway/pipeline/verifier.ts';
import type { RegisteredNode } from '../../gateway/store/registry.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { seal, type NodeMessage as WireMessage } from '../../protocol/index.ts';
import { emptyReplayState } from '../../protocol/replay.ts';
import { KEY, OTHER_KEY, SAMPLE_MESSAGES } from '../protocol/samples.ts';
import { heapGrowth } from './heap-growth.ts';

/**
 * The gateway's MQTT payload path (unseal -> JSON -> schema -> registry -> signature -> replay)
 * with random and mutated payloads: it never throws, accepts only intact signed messages of a
 * registered node, and keeps no memory per message.
 */

const NODE: RegisteredNode = {
  id: 'n-0001',
  keyHex: KEY,
  enterprise: 'e',
  site: 's',
  zone: 'z',
  location: 'l',
  channels: ['smoke'],
  installedAt: 0,
  installedBy: '',
};
const lookups = {
  node: (id: string) => (id === NODE.id ? NODE : undefined),
  replay: () => emptyReplayState(),
};
const frame = (raw: string, topicNode: string | undefined = NODE.id): InboundFrame => ({
  path: 'mqtt',
  via: 'fuzz',
  raw,
  receivedAt: 0,
  topicNode,
});

/** A valid message: a sample of every kind with a fuzzed envelope. */
const message: fc.Arbitrary<WireMessage> = fc
  .record({
    sample: fc.constantFrom(...SAMPLE_MESSAGES),
    boot: fc.integer({ min: 1, max: 2 ** 31 }),
    seq: fc.integer({ min: 1, max: 2 ** 31 }),
    up: fc.nat(),
    age: fc.nat({ max: 86_400_000 }),
  })
  .map(({ sample, boot, seq, up, age }) => ({ ...sample, boot, seq, up, age }));

const mutation = fc.record({
  where: fc.nat(),
  byte: fc.integer({ min: 0, max: 0x7f }),
  how: fc.constantFrom('replace', 'drop', 'insert', 'swap'),
});

function mutate(s: string, m: { where: number; byte: number; how: string }): string {
  const i = m.where % s.length;
  const ch = String.fromCharCode(m.byte);
  if (m.how === 'replace') return s.slice(0, i) + ch + s.slice(i + 1);
  if (m.how === 'drop') return s.slice(0, i) + s.slice(i + 1);
  if (m.how === 'insert') return s.slice(0, i) + ch + s.slice(i);
  const j = (i + 1) % s.length;
  const a = s.split('');
  [a[i], a[j]] = [a[j], a[i]];
  return a.join('');
}

describe('fuzz: MQTT payload decoder (verifyFrame)', () => {
  it('accepts every intact signed message of a registered node', () => {
    fc.assert(
      fc.property(message, (m) => {
        const verdict = verifyFrame(frame(seal(nodeSha256, KEY, m)), lookups);
        expect(verdict.ok).toBe(true);
      }),
      { numRuns: 3_000 },
    );
  });

  it('refuses every changed byte of a signed message, with a reason and never a throw', () => {
    fc.assert(
      fc.property(message, mutation, (m, mut) => {
        const wire = seal(nodeSha256, KEY, m);
        const changed = mutate(wire, mut);
        const verdict = verifyFrame(frame(changed), lookups);
        if (changed === wire) expect(verdict.ok).toBe(true);
        else expect(verdict.ok).toBe(false);
      }),
      { numRuns: 15_000 },
    );
  });

  it('refuses messages signed with another key, from unknown nodes, or on another node topic', () => {
    fc.assert(
      fc.property(message, fc.constantFrom('key', 'node', 'topic'), (m, what) => {
        const wire =
          what === 'key'
            ? seal(nodeSha256, OTHER_KEY, m)
            : what === 'node'
              ? seal(nodeSha256, KEY, { ...m, node: 'n-9999' })
              : seal(nodeSha256, KEY, m);
        const verdict = verifyFrame(frame(wire, what === 'topic' ? 'n-0002' : NODE.id), lookups);
        expect(verdict.ok).toBe(false);
        if (!verdict.ok)
          expect(verdict.reason).toBe(
            what === 'key' ? 'bad_signature' : what === 'node' ? 'unknown_node' : 'topic_mismatch',
          );
      }),
      { numRuns: 3_000 },
    );
  });

  it('never throws on random strings and random JSON, and only the schema decides shape', () => {
    const arbitraryWire = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 600 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
      fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => `{"v":1,"node":"n-0001","d":${JSON.stringify(v) ?? 'null'},"sig":"${'0'.repeat(32)}"}`),
    );
    fc.assert(
      fc.property(arbitraryWire, (raw) => {
        const verdict = verifyFrame(frame(raw), lookups);
        if (verdict.ok) expect(NodeMessage.safeParse(JSON.parse(raw)).success).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('keeps no memory per message', async () => {
    const wires = fc
      .sample(fc.tuple(message, mutation), { numRuns: 5_000, seed: 11 })
      .map(([m, mut]) => mutate(seal(nodeSha256, KEY, m), mut));
    const growth = await heapGrowth(() => {
      for (const w of wires) verifyFrame(frame(w), lookups);
    });
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });
});
