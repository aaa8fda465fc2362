import { rmSync } from 'node:fs';
import pino from 'pino';
import { SerialPort } from 'serialport';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { type RunningGateway, runGateway } from '../../gateway/run.ts';
import { FrameDecoder } from '../../protocol/framing.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { metric, tempDir, until } from './support/gateway-rig.ts';

/**
 * A node on a real serial line (socat PTY pair) through the whole gateway: frames in, signed
 * event_ack frames back; console chatter counted and skipped; the adapter pulled and put
 * back becomes a link trouble and its clear, without a restart.
 */
const dir = tempDir();
let pty: PtyPair | undefined;
let running: RunningGateway | undefined;
let port: SerialPort | undefined;
afterAll(async () => {
  if (port?.isOpen) await new Promise((r) => port?.close(r));
  await running?.stop();
  await pty?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function open(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
  });
}

describe('gateway over a serial line', () => {
  it('stores, acknowledges over the line, and survives an unplug', async () => {
    pty = await startPtyPair();
    const config = validateConfig(
      {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        localBroker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
        serial: [{ path: pty.gatewayPath, baudRate: 115200 }],
        panel: { enabled: false },
      },
      'test',
    );
    running = await runGateway(config, { logger: pino({ level: 'silent' }) });
    const gw = running.gateway;
    const [stored] = gw.registry.upsert([{ id: 's1', channels: ['smoke'] }], Date.now());
    const node = new NodeClient('s1', stored.keyHex);
    const acks: { kind: string; d: { seqs: number[] } }[] = [];
    const decoder = new FrameDecoder({ frame: (p) => acks.push(JSON.parse(p)), reject: () => {} });
    port = await open(pty.nodePath);
    port.on('data', (chunk: Buffer) => decoder.push(chunk.toString('latin1')));
    // the serial link may open a moment after start: write until the gateway hears it
    await until(
      () => {
        port?.write(`>console noise\r\n${node.frame('heartbeat', '', { bat: 3100, rssi: 0, mem: 900, ivl: 30 })}`);
        return gw.nodeStates.get('s1')?.battery === 3100;
      },
      10_000,
      'heartbeat over serial',
    );
    port.write(node.frame('alarm', 'smoke', { v: 800, b: 90, th: 400, src: 'smoke' }));
    await until(() => acks.some((a) => a.kind === 'event_ack'), 5000, 'event_ack frame');
    expect(gw.eventLog.after(0, 10).map((e) => [e.kind, e.origin?.path])).toEqual([['alarm', 'serial']]);
    const text = await (await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`)).text();
    expect(metric(text, 'parkwatch_ingest_frames_total{path="serial",kind="alarm"}')).toBe(1);
    expect(text).toMatch(/parkwatch_ingest_transport_rejects_total\{path="serial",.*reason="noise"\} [1-9]/);

    await new Promise((r) => port?.close(r));
    await pty.unplug();
    await until(() => gw.eventLog.after(0, 10).some((e) => e.trouble === 'link'), 10_000, 'link trouble');
    await pty.plug();
    await until(() => gw.eventLog.after(0, 10).some((e) => e.kind === 'trouble_clear'), 15_000, 'link back');
    const link = gw.eventLog.after(0, 10).filter((e) => e.trouble === 'link');
    expect(link.map((e) => [e.kind, e.ch])).toEqual([
      ['trouble', `serial:${pty.gatewayPath}`],
      ['trouble_clear', `serial:${pty.gatewayPath}`],
    ]);
  });
});
