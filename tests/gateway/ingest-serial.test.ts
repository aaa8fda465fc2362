import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundFrame } from '../../gateway/ingest/inbound.ts';
import { ReopenBackoff } from '../../gateway/ingest/reopen-backoff.ts';
import { SerialIngest } from '../../gateway/ingest/serial-ingest.ts';
import type { LinkChange } from '../../gateway/ports.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { encodeFrame, FrameDecoder, seal } from '../../protocol/index.ts';
import { startPtyPair } from '../../simulator/live/pty-pair.ts';
import { KEY, SAMPLE_COMMANDS, SAMPLE_MESSAGES } from '../protocol/samples.ts';
import { waitFor } from './ingest-wait.ts';

const WIRES = SAMPLE_MESSAGES.map((m) => seal(nodeSha256, KEY, m));

/** A gateway-side SerialIngest with everything it reports recorded. */
function harness(paths: string[]) {
  const frames: InboundFrame[] = [];
  const links: LinkChange[] = [];
  const counted: string[] = [];
  const ingest = new SerialIngest({
    ports: paths.map((path) => ({ path, baudRate: 115200 })),
    backoff: { minMs: 20, maxMs: 200 },
    ctx: {
      onLink: (change) => links.push(change),
      count: (_name, labels) => counted.push(`${labels.via}:${labels.reason}`),
      log: pino({ level: 'silent' }),
    },
  });
  return { ingest, frames, links, counted, start: () => ingest.start((f) => frames.push(f)) };
}

function openNodeSide(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(port)));
  });
}

/** Writes in small pieces so frames arrive split across reads, as on a real UART. */
async function writeInPieces(port: SerialPort, text: string, size = 13): Promise<void> {
  for (let i = 0; i < text.length; i += size) {
    port.write(text.substr(i, size), 'latin1');
    if (i % (size * 8) === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise<void>((resolve) => port.drain(() => resolve()));
}

function closeQuietly(port: SerialPort): Promise<void> {
  return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('ReopenBackoff', () => {
  it('doubles up to the cap with jitter in [cap/2, cap], and forgets failures only after a stable period', () => {
    let r = 0;
    const b = new ReopenBackoff({ minMs: 100, maxMs: 1000, stableMs: 5000, random: () => r });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 100, 200, 400, 500]);
    r = 0.999999;
    expect(b.next()).toBe(1000);
    b.up(0);
    b.down(1000); // flapping: up for 1 s only
    expect(b.next()).toBe(1000);
    b.up(2000);
    b.down(8000);
    r = 0;
    expect(b.next()).toBe(50);
  });
});

describe('SerialIngest over a socat PTY pair', () => {
  it('delivers every valid frame through noise, half lines, bad checksums and oversize lines, counting each reject', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.stop());
    const h = harness([pty.gatewayPath]);
    await h.start();
    cleanups.push(() => h.ingest.stop());
    await waitFor(() => h.ingest.stats()[pty.gatewayPath].up, 'gateway side open');
    const node = await openNodeSide(pty.nodePath);
    cleanups.push(() => closeQuietly(node));

    const corruptWire = WIRES[1].replace('"bat":3650', '"bat":3651');
    const stream = [
      'ESP32 boot\r\n>',
      encodeFrame(WIRES[0]),
      '\x00\xff\x13garbage\n',
      `@PW${WIRES[1].substr(0, 40)}`, // half a frame, then a new one starts
      encodeFrame(WIRES[1]),
      encodeFrame(WIRES[1]).replace(WIRES[1], corruptWire), // checksum mismatch
      `@PW${'x'.repeat(900)}\n`, // oversize
      encodeFrame(WIRES[2]),
      '@PW{"no":"checksum"}\n',
      ...WIRES.slice(3).map((w) => encodeFrame(w)),
    ].join('');
    await writeInPieces(node, stream);

    await waitFor(() => h.frames.length === WIRES.length, 'all valid frames');
    expect(h.frames.map((f) => f.raw)).toEqual(WIRES);
    expect(h.frames.every((f) => f.path === 'serial' && f.via === pty.gatewayPath && f.receivedAt > 0)).toBe(true);
    const stats = h.ingest.stats()[pty.gatewayPath];
    expect(stats.frames).toBe(WIRES.length);
    expect(stats.rejects).toEqual({ noise: 3, truncated: 1, checksum: 1, oversize: 1, malformed: 1 });
    expect(h.counted.filter((c) => c.endsWith(':checksum'))).toEqual([`${pty.gatewayPath}:checksum`]);
    expect(h.links).toEqual([]);

    // a command goes back to the node on the port it spoke on, framed
    const command = seal(nodeSha256, KEY, SAMPLE_COMMANDS[0]);
    const received: string[] = [];
    const decoder = new FrameDecoder({ frame: (p) => received.push(p), reject: () => {} });
    node.on('data', (chunk: Buffer) => decoder.push(chunk.toString('latin1')));
    expect(h.ingest.sendToNode('n-0001', command)).toBe(true);
    expect(h.ingest.sendToNode('n-unknown', command)).toBe(false);
    await waitFor(() => received.length === 1, 'command at the node');
    expect(received[0]).toBe(command);
  });

  it('survives the peer vanishing: one link trouble, reopen with backoff, frames flow again, acks go out again', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.stop());
    const h = harness([pty.gatewayPath]);
    await h.start();
    cleanups.push(() => h.ingest.stop());
    await waitFor(() => h.ingest.stats()[pty.gatewayPath].up, 'gateway side open');

    for (let round = 0; round < 2; round++) {
      const node = await openNodeSide(pty.nodePath);
      await writeInPieces(node, encodeFrame(WIRES[round]));
      await waitFor(() => h.frames.length === round + 1, `frame of round ${round}`);
      await pty.unplug();
      await closeQuietly(node);
      await waitFor(() => h.links.length === 2 * round + 1, 'link down reported');
      expect(h.links[2 * round]).toMatchObject({ path: 'serial', via: pty.gatewayPath, up: false });
      expect(h.ingest.sendToNode('n-0001', 'x')).toBe(false);
      // stays down for a while: the reopen attempts back off and report nothing more
      await new Promise((r) => setTimeout(r, 300));
      expect(h.links.length).toBe(2 * round + 1);
      await pty.plug();
      await waitFor(() => h.links.length === 2 * round + 2, 'link up reported');
      expect(h.links[2 * round + 1]).toEqual({ path: 'serial', via: pty.gatewayPath, up: true });
    }
    const node = await openNodeSide(pty.nodePath);
    cleanups.push(() => closeQuietly(node));
    await writeInPieces(node, encodeFrame(WIRES[5]));
    await waitFor(() => h.frames.length === 3, 'frame after the second replug');
    const got = new Promise<string>((resolve) => node.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    expect(h.ingest.sendToNode('n-0001', 'cmd')).toBe(true);
    expect(await got).toBe(encodeFrame('cmd'));
    expect(h.ingest.stats()[pty.gatewayPath].opens).toBe(3);
  });

  it('starts with a port that does not exist yet, reports it, and picks it up when it appears; other ports keep working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-late-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const present = await startPtyPair();
    cleanups.push(() => present.stop());
    const late = join(dir, 'gateway');
    const h = harness([late, present.gatewayPath]);
    await h.start();
    cleanups.push(() => h.ingest.stop());
    await waitFor(() => h.links.length === 1, 'missing port reported');
    expect(h.links[0]).toMatchObject({ via: late, up: false });
    expect(h.links[0].reason).toMatch(/cannot open/);

    const node = await openNodeSide(present.nodePath);
    cleanups.push(() => closeQuietly(node));
    await writeInPieces(node, encodeFrame(WIRES[0]));
    await waitFor(() => h.frames.length === 1, 'frame on the present port');

    const appeared = await startPtyPair({ dir });
    cleanups.push(() => appeared.stop());
    await waitFor(() => h.links.length === 2, 'late port up');
    expect(h.links[1]).toEqual({ path: 'serial', via: late, up: true });
    const lateNode = await openNodeSide(appeared.nodePath);
    cleanups.push(() => closeQuietly(lateNode));
    await writeInPieces(lateNode, encodeFrame(WIRES[1]));
    await waitFor(() => h.frames.length === 2, 'frame on the late port');
    expect(h.frames[1].via).toBe(late);
  });
});
