import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { GbtCentre, type Received } from '../../simulator/gbt26875-centre/centre.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { type GatewayProcess, spawnGateway, waitForPort, writeConfig } from './support/gateway-process.ts';
import { metric, tempDir, until } from './support/gateway-rig.ts';

/**
 * The real gateway process (`parkwatch gateway`) with the GB/T 26875 uplink on, talking TCP
 * to the monitoring-centre peer: node alarms signed as the firmware signs them reach the
 * centre as component-status frames and are confirmed; the centre going down and the
 * gateway being killed lose nothing; lost confirms are resent with the same serial and
 * counted once; junk and a slow sender on the centre side do not hurt the gateway.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const dir = tempDir('pw-gbt-');
let centre: GbtCentre;
let gw: GatewayProcess;
let configFile: string;
let brokerPort: number;
let httpPort: number;
const nodes = new Map<string, NodeClient>();

type Obj = { status: { raw: number; bits: string[] }; componentAddress: number; componentType: number } & Record<
  string,
  unknown
>;
/** kinds of the gateway's centre_link trouble events, from its event log on disk */
function centreLinkEvents(): string[] {
  const db = new Database(join(dir, 'parkwatch.sqlite'), { readonly: true });
  const rows = db
    .prepare(
      "SELECT kind FROM events WHERE node IS NULL AND json_extract(body, '$.trouble') = 'centre_link' ORDER BY seq",
    )
    .all() as { kind: string }[];
  db.close();
  return rows.map((r) => r.kind);
}

const components = (list: Received[]) =>
  list.filter((r) => r.data?.type === 2).map((r) => ({ r, o: (r.data as unknown as { objects: Obj[] }).objects[0] }));

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
}

async function startGateway(): Promise<void> {
  gw = spawnGateway(configFile);
  await waitForPort(brokerPort);
  await waitForPort(httpPort);
}

async function send(id: string, wire: (n: NodeClient) => string): Promise<void> {
  const n = nodes.get(id) as NodeClient;
  const client: MqttClient = await n.connect(`mqtt://127.0.0.1:${brokerPort}`);
  await n.publish(client, wire(n));
  await client.endAsync();
}

beforeAll(async () => {
  centre = new GbtCentre();
  const centrePort = await centre.start();
  brokerPort = await freePort();
  httpPort = await freePort();
  configFile = writeConfig(dir, {
    dataDir: dir,
    http: { host: '127.0.0.1', port: httpPort },
    localBroker: { mode: 'embedded', host: '127.0.0.1', port: brokerPort },
    panel: { enabled: false },
    gbt26875: {
      enabled: true,
      port: centrePort,
      deviceAddress: '0a1400650001',
      confirmTimeoutMs: 300,
      retries: 3,
      heartbeatS: 0,
      backoff: { minMs: 50, maxMs: 300 },
      downTroubleS: 2,
    },
  });
  // f1 through the CLI with an explicit address; the others straight into the registry, derived addresses
  const add = spawnSync(
    process.execPath,
    [
      join(ROOT, 'bin', 'parkwatch.js'),
      'nodes',
      'add',
      'f1',
      '--channels',
      'smoke',
      '--zone',
      'A1',
      '--location',
      '东墙',
      '--gbt-address',
      '1:100',
      '--config',
      configFile,
    ],
    { encoding: 'utf8', cwd: ROOT },
  );
  expect(add.status, add.stderr).toBe(0);
  expect(add.stdout).toMatch(/system 1, 部件 \/ components 100\.\.100/);
  const key = /key[^:]*: ([0-9a-f]{64})/.exec(add.stdout)?.[1] as string;
  nodes.set('f1', new NodeClient('f1', key));
  const db = openDatabase(dir);
  const stored = new NodeRegistry(db).upsert(
    [
      { id: 'f2', channels: ['smoke', 'water'], zone: 'B2', location: '泵房' },
      { id: 'f3', channels: ['smoke'], zone: 'C3' },
    ],
    Date.now(),
  );
  db.close();
  for (const s of stored) nodes.set(s.id, new NodeClient(s.id, s.keyHex));
  await startGateway();
});

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await gw?.exited;
  await centre?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GB/T 26875 uplink from the real gateway process', () => {
  it('sends a node fire alarm as a component-status fire frame, confirmed, and logs it', async () => {
    await until(() => centre.received.some((r) => r.data?.type === 21), 15_000, 'device status on connect');
    await send('f1', (n) => n.alarm('smoke', 900));
    await until(() => components(centre.received).length > 0, 10_000, 'fire frame at the centre');
    const [{ r, o }] = components(centre.received);
    expect(r).toMatchObject({ command: 'send_data', source: '0a1400650001' });
    expect(o).toMatchObject({
      systemType: 1,
      systemAddress: 1,
      componentType: 42,
      componentAddress: 100,
      description: 'A1东墙',
    });
    expect(o.status.bits).toEqual(['normal', 'fire']);
    await until(() => /监控中心已确认/.test(gw.output()), 10_000, 'confirm logged');
    expect(metric(await metrics(), 'parkwatch_gbt_confirmed_total{lane="fire"}')).toBe(1);
    const events = new Database(join(dir, 'parkwatch.sqlite'), { readonly: true });
    const kinds = events.prepare("SELECT kind FROM events WHERE node = 'f1'").all() as { kind: string }[];
    events.close();
    expect(kinds.map((k) => k.kind)).toContain('alarm');
  });

  it('answers clock sync, duty check and read device status', async () => {
    const sync = centre.command('control', 90, [{ clock: '2026-12-03 18:00:00' }]);
    const duty = centre.command('control', 91, [{ timeoutMin: 5 }]);
    const read = centre.command('request', 81, [{ reserved: 0 }]);
    await until(
      () => centre.replies.filter((r) => [sync, duty, read].includes(r.serial)).length === 3,
      10_000,
      'answers',
    );
    expect(centre.replies.find((r) => r.serial === sync)?.command).toBe('confirm');
    expect(centre.replies.find((r) => r.serial === duty)?.command).toBe('confirm');
    expect(centre.replies.find((r) => r.serial === read)).toMatchObject({
      command: 'respond',
      data: { type: 21, objects: [{ status: { bits: ['normal', 'fire'] } }] },
    });
    await until(
      () => centre.received.some((r) => r.data?.type === 24 && JSON.stringify(r.data).includes('duty_check_answer')),
      10_000,
      'duty check answered with an operation record',
    );
  });

  it('resends a frame whose confirm was lost with the same serial; the centre counts it once', async () => {
    const before = centre.duplicates;
    const m0 = await metrics();
    const confirmed = metric(m0, 'parkwatch_gbt_confirmed_total{lane="other"}');
    const resends = metric(m0, 'parkwatch_gbt_resends_total');
    centre.loseConfirms(2);
    await send('f2', (n) => n.alarm('water', 60));
    await until(
      async () => metric(await metrics(), 'parkwatch_gbt_confirmed_total{lane="other"}') > confirmed,
      15_000,
      'confirmed after resends',
    );
    const water = components(centre.received).filter(({ o }) => o.componentType === 128);
    expect(water).toHaveLength(1);
    expect(water[0].o.status.bits).toEqual(['normal', 'supervisory']); // a leak is not a fire
    // at least the two whose confirms were lost (a slow box may time out once more); each counted once
    expect(centre.duplicates - before).toBeGreaterThanOrEqual(2);
    expect(metric(await metrics(), 'parkwatch_gbt_resends_total') - resends).toBeGreaterThanOrEqual(2);
  });

  it('loses nothing when the centre is down and the gateway is killed; fire goes first, order kept', async () => {
    const port = centre.port;
    await centre.stop();
    await until(async () => metric(await metrics(), 'parkwatch_gbt_connected') === 0, 10_000, 'link down');
    // down longer than downTroubleS: the gateway's own trouble, queued for the centre as device status
    await until(() => centreLinkEvents().includes('trouble'), 15_000, 'the centre_link trouble');
    const troubles = 10;
    for (let i = 0; i < troubles; i++)
      await send('f2', (n) =>
        i % 2 === 0
          ? n.wire('trouble', 'water', { code: 'dirty' })
          : n.wire('trouble_clear', 'water', { code: 'dirty' }),
      );
    await send('f3', (n) => n.alarm('smoke', 950));
    await send('f1', (n) => n.clear('smoke', 80));
    await until(
      async () => {
        const m = await metrics();
        return (
          metric(m, 'parkwatch_gbt_queue_depth{lane="fire"}') === 2 &&
          metric(m, 'parkwatch_gbt_queue_depth{lane="other"}') === troubles + 1
        );
      },
      10_000,
      'queued while the centre is down',
    ).catch(async (err) => {
      console.log(
        (await metrics())
          .split('\n')
          .filter((l) => l.includes('gbt'))
          .join('\n'),
        gw.output().slice(-3000),
      );
      throw err;
    });
    gw.child.kill('SIGKILL');
    await gw.exited;

    centre = new GbtCentre();
    await centre.start(port);
    await startGateway();
    await until(() => components(centre.received).length === troubles + 2, 20_000, 'all frames after the outage');
    const got = components(centre.received);
    expect(got[0].o).toMatchObject({ componentType: 42 });
    expect(got[0].o.status.bits).toEqual(['normal', 'fire']); // f3's fire before any trouble
    const fire = got.filter(({ o }) => o.componentType === 42).map(({ o }) => o.status.bits.join('+'));
    expect(fire).toEqual(['normal+fire', 'normal']); // f3 alarm, then f1 clear
    const other = got.filter(({ o }) => o.componentType === 128).map(({ o }) => o.status.bits.includes('fault'));
    expect(other).toEqual(Array.from({ length: troubles }, (_, i) => i % 2 === 0)); // in the order they happened
    expect(centre.duplicates).toBe(0);
    // the trouble raised before the kill is cleared by the new process once the link is up
    await until(() => centreLinkEvents().at(-1) === 'trouble_clear', 15_000, 'the centre_link trouble cleared');
    expect(centreLinkEvents()).toEqual(['trouble', 'trouble_clear']);
    const status = centre.received.filter((r) => r.data?.type === 21).map((r) => JSON.stringify(r.data));
    expect(status.some((d) => d.includes('centre_link_fault'))).toBe(true);
  });

  it('survives junk and a slow sender from the centre without growing, and keeps sending', async () => {
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gw.child.pid}/status`, 'utf8'))?.[1]) * 1024;
    const before = rss();
    for (let i = 0; i < 50; i++) centre.writeRaw(randomBytes(1024 * 1024));
    const head = Buffer.alloc(26);
    head.fill(0x40, 0, 2);
    head.writeUInt16LE(1024, 24);
    centre.writeRaw(head);
    for (let i = 0; i < 200; i++) {
      centre.writeRaw(Buffer.from([0x00]));
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(
      async () => metric(await metrics(), 'parkwatch_gbt_rejects_total{reason="start"}') > 0,
      20_000,
      'junk counted',
    );
    expect(gw.child.exitCode).toBeNull();
    expect(rss() - before).toBeLessThan(40 * 1024 * 1024); // 50 MiB of junk was not kept
    const count = components(centre.received).length;
    await send('f3', (n) => n.clear('smoke', 90));
    await until(() => components(centre.received).length > count, 20_000, 'a frame after the junk');
  });
});
