import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UartOptions, WriteStream } from '../../firmware/hal.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { seal, unseal, verifyBody } from '../../protocol/envelope.ts';
import { encodeFrame, FrameDecoder } from '../../protocol/framing.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { NetBoard } from './support/net-board.ts';
import { KEY, NodeHarness, nodeConfig } from './support/node-harness.ts';

/** A NetBoard whose UART is one end of a real PTY pair (socat), opened with `serialport`. */
class PtyBoard extends NetBoard {
  ports: SerialPort[] = [];
  constructor(private path: string) {
    super();
  }
  uart(o: UartOptions): WriteStream {
    const port = new SerialPort({ path: this.path, baudRate: o.baud });
    this.ports.push(port);
    port.on('data', (b: Buffer) => o.onReadable(b.toString('latin1')));
    port.on('error', () => {});
    return { write: (d) => port.write(Buffer.from(d, 'latin1')) };
  }
}

describe('SerialLink over a real PTY pair', () => {
  let pty: PtyPair;
  let gw: SerialPort;
  let board: PtyBoard;
  const got: NodeMessage[] = [];
  const rejected: string[] = [];

  beforeEach(async () => {
    pty = await startPtyPair();
    gw = new SerialPort({ path: pty.gatewayPath, baudRate: 115200 });
    await new Promise<void>((res, rej) => gw.once('open', () => res()).once('error', rej));
    const dec = new FrameDecoder({
      frame: (p) => {
        const parts = unseal(p);
        expect(parts && verifyBody(nodeSha256, KEY, parts)).toBe(true);
        got.push(NodeMessage.parse(JSON.parse(p)));
      },
      reject: (r) => rejected.push(r.reason),
    });
    gw.on('data', (b: Buffer) => dec.push(b.toString('latin1')));
    board = new PtyBoard(pty.nodePath);
    got.length = 0;
  });

  afterEach(async () => {
    board.powerCut();
    for (const p of board.ports) if (p.isOpen) await new Promise((r) => p.close(r));
    if (gw.isOpen) await new Promise((r) => gw.close(r));
    await pty.stop();
  });

  async function until<T>(what: () => T | undefined | false, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = what();
      if (v !== undefined && v !== false) return v as T;
      if (Date.now() > end) throw new Error('timed out; got ' + JSON.stringify(got.map((m) => m.kind)));
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  function send(data: string) {
    gw.write(Buffer.from(data, 'latin1'));
  }

  it('frames every message, takes commands among line noise, and stops re-sending what the gateway acknowledged', async () => {
    const h = new NodeHarness(nodeConfig(), board).boot();
    const hello = await until(() => got.find((m) => m.kind === 'hello'));
    // the boot burst is written at once but may cross the PTY in several reads
    await until(() => got.length >= 4);
    expect(got.map((m) => m.kind).slice(0, 4)).toEqual(['hello', 'telemetry', 'telemetry', 'heartbeat']);
    const boot = h.booted.boot;
    const cmd = (seq: number, kind: 'event_ack' | 'test', d: object) =>
      encodeFrame(seal(nodeSha256, KEY, { v: 1, node: 'n-101', boot, seq, kind, d: d as { [k: string]: unknown } }));
    // console chatter, a half line and a corrupted frame before the good ones
    send('\r\n>echo\r\n@PW{"half"');
    const good = cmd(7, 'test', {});
    send(good.replace('"test"', '"tesT"'));
    send(cmd(6, 'event_ack', { seqs: [hello.seq] }) + good.slice(0, 20));
    send(good.slice(20));
    const ack = await until(() => got.find((m) => m.kind === 'ack'));
    expect(ack.d).toEqual({ cmd: 7, ok: true });
    expect(board.logs.filter((l) => l.startsWith('PW-LINE '))).toEqual(['PW-LINE truncated', 'PW-LINE checksum']);
    expect(h.booted.messenger!.ring.due(Number.MAX_SAFE_INTEGER).map((e) => e.seq)).not.toContain(hello.seq);
    expect(rejected).toEqual([]);
  });

  it('re-sends an unacknowledged event over the line every 5 s with the same seq', async () => {
    const h = new NodeHarness(nodeConfig(), board).boot();
    await until(() => got.find((m) => m.kind === 'hello'));
    got.length = 0;
    // 5 s later the hello (no event_ack yet) goes out again with the same seq
    const again = await until(() => got.find((m) => m.kind === 'hello'), 8000);
    expect(again.seq).toBe(1);
    expect(again.age).toBeGreaterThanOrEqual(4000);
    expect(h.booted.boot).toBe(1);
  }, 15_000);
});
