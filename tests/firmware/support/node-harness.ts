import { expect } from 'vitest';
import { type Booted, bootNode } from '../../../firmware/node/boot.ts';
import type { NodeConfigInput } from '../../../firmware/node-config-schema.ts';
import { nodeSha256 } from '../../../gateway/wire/node-sha256.ts';
import { NodeMessage } from '../../../gateway/wire/schemas.ts';
import { seal, unseal, verifyBody } from '../../../protocol/envelope.ts';
import { encodeFrame } from '../../../protocol/framing.ts';
import type { CommandKind } from '../../../protocol/kinds.ts';
import { analogOf } from './channel-run.ts';
import { TestBoard } from './test-board.ts';

export const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const FW = { version: '0.1.0', hash: 'ab'.repeat(32) };

export function nodeConfig(over: Partial<NodeConfigInput> = {}): NodeConfigInput {
  return {
    id: 'n-101',
    key: KEY,
    link: { kind: 'serial', uart: 'Serial2', baud: 115200 },
    channels: [
      { name: 'smoke', kind: 'analog' },
      { name: 'water', kind: 'contact' },
    ],
    battery: {},
    ...over,
  };
}

export interface Received {
  wire: string;
  m: NodeMessage;
}

/** A node booted on a TestBoard with a serial link; clean air, dry probe, full battery. */
export class NodeHarness {
  board: TestBoard;
  booted!: Booted;
  cmdSeq = 100;

  /** `config`: an object or text for pw.cfg; null leaves Storage without a config; omitted = nodeConfig() */
  constructor(config: unknown = nodeConfig(), board?: TestBoard) {
    this.board = board ?? new TestBoard();
    if (config !== null && !(board && config === undefined))
      this.board.files['pw.cfg'] = typeof config === 'string' ? config : JSON.stringify(config);
    this.board.analog['smoke'] = analogOf(0);
    this.board.analog['battery'] = 4000 / 6600;
  }

  boot(): this {
    this.booted = bootNode(this.board, FW);
    return this;
  }

  get now(): number {
    return this.board.clock.now();
  }

  advance(ms: number): this {
    this.board.vc.advance(ms);
    return this;
  }

  private seen = new Set<number>();

  /**
   * Messages sent since the last call, each validated against the gateway schema and the key.
   * Re-sends of events already taken are left out unless `resends` is true.
   */
  take(resends = false): Received[] {
    const out: Received[] = [];
    for (const wire of this.board.takeFrames()) {
      expect(wire.startsWith('REJECT')).toBe(false);
      const parts = unseal(wire);
      expect(parts && verifyBody(nodeSha256, KEY, parts)).toBe(true);
      const parsed = NodeMessage.safeParse(JSON.parse(wire));
      if (!parsed.success) throw new Error('schema: ' + wire + '\n' + parsed.error.message);
      if (!resends && this.seen.has(parsed.data.seq)) continue;
      this.seen.add(parsed.data.seq);
      out.push({ wire, m: parsed.data });
    }
    return out;
  }

  kinds(): string[] {
    return this.take().map((r) => r.m.kind);
  }

  /** Sends a signed command frame to the node's UART. */
  command(kind: CommandKind, d: { [key: string]: unknown }, over: { seq?: number; boot?: number; key?: string } = {}) {
    const seq = over.seq ?? ++this.cmdSeq;
    const wire = seal(nodeSha256, over.key ?? KEY, {
      v: 1,
      node: 'n-101',
      boot: over.boot ?? this.booted.boot,
      seq,
      kind,
      d,
    });
    this.board.uartIn(encodeFrame(wire));
    return seq;
  }

  smoke(mdbm: number): void {
    this.board.analog['smoke'] = analogOf(mdbm);
  }

  state(ch: number): string {
    return this.booted.node!.state(ch);
  }
}
