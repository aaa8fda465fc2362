import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../gateway/incidents/incident.ts';
import type { IncidentPacket } from '../../gateway/incidents/packet.ts';
import { verifyPacket } from '../../gateway/incidents/packet-verify.ts';
import type { TimelineEntry } from '../../gateway/incidents/timeline.ts';
import { sha256Hex } from '../../gateway/store/chain.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { readGatewayPrivateKey } from '../../gateway/store/gateway-key.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { canonicalJson } from '../../protocol/canonical.ts';
import { CLOUD_ALL_EVENTS, cloudCommand, cloudCommandReply } from '../../protocol/topics.ts';
import { SimAccessPoint } from '../../simulator/board/access-point.ts';
import { realTcp } from '../../simulator/board/links.ts';
import { DEFAULT_DATA } from '../../simulator/eval/eval-cli.ts';
import { loadFirmwareScript } from '../../simulator/firmware-script.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { SimNode } from '../../simulator/node/sim-node.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { loadScenario } from '../../simulator/scenario/load.ts';
import { derivedKey, GATEWAY_HOST, nodeConfig, resolveInputs } from '../../simulator/scenario/node-setup.ts';
import { VirtualClock } from '../../simulator/virtual-clock.ts';
import { type GatewayProcess, spawnGateway, waitForPort, writeConfig } from './support/gateway-process.ts';
import { tempDir, until } from './support/gateway-rig.ts';

/**
 * Incident files against the real gateway process and SQLite on disk: the node firmware, fed
 * the NIST SDC02 chair fire (simulator/scenarios/nist-fire-mqtt.yaml), alarms over real MQTT; the
 * cloud (a real Mosquitto) acknowledges by command; the node reports normal; `parkwatch incidents
 * close` records the cause through the running gateway. The incident's timeline has every step,
 * its exported packet verifies offline, and altered packets fail. Generous timeouts: every
 * `parkwatch` run loads the CLI from TypeScript, slow on a loaded box.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCENARIO = join(ROOT, 'simulator', 'scenarios', 'nist-fire-mqtt.yaml');
const dir = tempDir('pw-incidents-');
let broker: RunningMosquitto | undefined;
let gw: GatewayProcess | undefined;
const clients: MqttClient[] = [];

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  await gw?.exited;
  for (const c of clients) c.end(true);
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A packet signed again over its (altered) contents. */
function resign(p: IncidentPacket, key: KeyObject): IncidentPacket {
  const { sig: _old, ...unsigned } = p;
  return { ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), key).toString('base64') };
}

function parkwatch(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'parkwatch.js'), ...args], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe('incident file of a NIST fire, real gateway process', () => {
  it('files the fire with its timeline, closes it with a cause, and exports a packet that verifies offline', async () => {
    broker = await startMosquitto();
    const atCloud: DecidedEvent[] = [];
    const replies: { id: string; ok: boolean; error?: unknown }[] = [];
    const cloud = await mqtt.connectAsync(broker.url, { clientId: 'insurer', reconnectPeriod: 100 });
    clients.push(cloud);
    cloud.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString());
      if (topic.endsWith('/cmd/reply')) replies.push(body);
      else atCloud.push(body);
    });
    await cloud.subscribeAsync([CLOUD_ALL_EVENTS, cloudCommandReply('park1', 'gw1')], { qos: 1 });

    const scenario = loadScenario(SCENARIO);
    const hall = scenario.nodes.find((n) => n.id === 'hall-b');
    if (!hall) throw new Error('hall-b is not in the scenario');
    const keyHex = hall.key ?? derivedKey(hall.id);
    const brokerPort = await freePort();
    const config = writeConfig(dir, {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: brokerPort },
      cloud: { url: broker.url, backoff: { minMs: 100, maxMs: 300 } },
      panel: { enabled: false },
      log: { level: 'warn' },
    });
    const db = openDatabase(dir);
    new NodeRegistry(db).upsert(
      [{ id: hall.id, keyHex, channels: ['smoke'], enterprise: '电池一厂', zone: 'B', location: '大厅' }],
      Date.now(),
    );
    db.close();
    gw = spawnGateway(config);
    await waitForPort(brokerPort);

    // the firmware, 20 times faster than the wall clock, until its alarm reached the cloud
    const clock = new VirtualClock(0);
    const node = new SimNode({
      config: nodeConfig(hall),
      inputs: resolveInputs(hall, SCENARIO, DEFAULT_DATA),
      fw: await loadFirmwareScript(),
      clock,
      net: realTcp((host, port) => (host === GATEWAY_HOST ? { host: '127.0.0.1', port: brokerPort } : { host, port })),
      wifi: new SimAccessPoint(),
    });
    node.board.powerOn();
    const alarmAtCloud = () => atCloud.find((e) => e.kind === 'alarm' && e.node === hall.id);
    const timer = setInterval(() => {
      if (clock.now() < scenario.durationS * 1000 && !alarmAtCloud()) clock.advance(100);
    }, 5);
    try {
      await until(() => alarmAtCloud() !== undefined, 90_000, 'the fire alarm at the cloud');
    } finally {
      clearInterval(timer);
      node.board.powerCut();
    }
    const ref = alarmAtCloud()?.alarm?.ref as string;
    expect(ref).toMatch(/^gw1:\d+$/);

    // the insurer's duty desk acknowledges by cloud command
    await cloud.publishAsync(
      cloudCommand('park1', 'gw1'),
      JSON.stringify({ id: 'ack-1', action: 'acknowledge', ref, by: '王工' }),
      { qos: 1 },
    );
    await until(() => replies.some((r) => r.id === 'ack-1'), 20_000, 'the acknowledge reply');
    expect(replies.find((r) => r.id === 'ack-1')).toMatchObject({ ok: true });

    // the node, restarted after the fire, reports the channel back to normal
    const restarted = new NodeClient(hall.id, keyHex, 1000);
    const conn = await restarted.connect(`mqtt://127.0.0.1:${brokerPort}`);
    clients.push(conn);
    await restarted.publish(conn, restarted.clear('smoke', 40));
    await until(
      () => atCloud.some((e) => e.kind === 'clear' && e.alarm?.ref === ref && e.alarm.state === 'closed'),
      20_000,
      'the clear that closes the alarm',
    );

    const listed = await parkwatch('incidents', 'list', '--data', dir, '--json');
    expect(listed.code).toBe(0);
    const incidents = JSON.parse(listed.out) as (Incident & { figures: unknown })[];
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ id: ref, priority: 'fire', state: 'ended', acknowledgedBy: 'cloud:王工' });

    // closing goes through the running gateway: the cause is a chained event
    const early = await parkwatch('incidents', 'close', ref, '--cause', 'no_such_cause', '--data', dir);
    expect(early.code).toBe(2);
    const closed = await parkwatch(
      'incidents',
      'close',
      ref,
      '--cause',
      'real_fire',
      '--note',
      '沙发起火，灭火器扑灭 / sofa fire, put out with an extinguisher',
      '--by',
      '王工',
      '--data',
      dir,
    );
    expect(closed.out).toContain('已结案 / closed');
    expect(closed.code).toBe(0);
    await until(
      () => atCloud.some((e) => e.kind === 'note' && e.data.cause === 'real_fire'),
      20_000,
      'the close at the cloud',
    );
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);

    const shown = await parkwatch('incidents', 'show', ref, '--data', dir, '--json');
    expect(shown.code).toBe(0);
    const { incident, timeline } = JSON.parse(shown.out) as { incident: Incident; timeline: TimelineEntry[] };
    expect(incident).toMatchObject({ state: 'closed', cause: 'real_fire', closedBy: '王工' });
    const steps = new Set(timeline.map((t) => t.step));
    for (const s of ['node_alarm', 'gateway_receipt', 'stored', 'forwarded', 'acknowledge', 'node_clear', 'close'])
      expect(steps, s).toContain(s);
    // the alarm itself: at the node, received, stored, forwarded, in that order
    const alarmSeq = Number(ref.split(':')[1]);
    const ofAlarm = timeline.filter((t) => t.seq === alarmSeq || t.step === 'node_alarm');
    expect(ofAlarm.map((t) => t.step)).toEqual(expect.arrayContaining(['gateway_receipt', 'stored', 'forwarded']));

    const json = join(dir, 'incident.json');
    const html = join(dir, 'incident.html');
    const exported = await parkwatch('incidents', 'export', ref, '--out', json, '--html', html, '--data', dir);
    expect(exported.code).toBe(0);
    const pub = await parkwatch('log', 'pubkey', '--data', dir);
    const pubFile = join(dir, 'recorded.pem');
    writeFileSync(pubFile, pub.out);
    const [okJson, okHtml] = await Promise.all([
      parkwatch('incidents', 'verify', json, '--pubkey', pubFile),
      parkwatch('incidents', 'verify', html),
    ]);
    expect(okJson.out).toContain('packet verified');
    expect(okJson.code).toBe(0);
    expect(okHtml.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page.indexOf('事件档案')).toBeLessThan(page.indexOf('Incident file'));
    expect(page).toContain('真实火情 / real fire');

    const packet = JSON.parse(readFileSync(json, 'utf8')) as IncidentPacket;
    const altered = structuredClone(packet);
    altered.incident.acknowledgedBy = '李工';
    const alteredFile = join(dir, 'altered.json');
    writeFileSync(alteredFile, JSON.stringify(altered));
    const bad = await parkwatch('incidents', 'verify', alteredFile);
    expect(bad.out).toContain('packet verification FAILED');
    expect(bad.code).toBe(1);

    // the other ways a packet can lie, checked in-process (the same function the command runs)
    const recorded = createPublicKey(pub.out);
    expect(verifyPacket(packet, recorded).ok).toBe(true);
    const body = structuredClone(packet);
    body.events[1].body = body.events[1].body.replace('"smoke"', '"heat"');
    expect(verifyPacket(body).problem?.code).toBe('packet_signature');
    const dropped = structuredClone(packet);
    dropped.timeline.splice(1, 1);
    expect(verifyPacket(dropped).problem?.code).toBe('packet_signature');
    const stranger = generateKeyPairSync('ed25519');
    expect(verifyPacket(packet, stranger.publicKey).problem?.code).toBe('foreign_key');
    // re-signed with another key: the chain head the gateway signed no longer verifies
    const foreign = resign(
      { ...body, publicKey: stranger.publicKey.export({ format: 'pem', type: 'spki' }) as string },
      stranger.privateKey,
    );
    expect(verifyPacket(foreign).problem?.code).toBe('head_signature');
    // even whoever holds the gateway key cannot change an event the chain already linked
    const gatewayKey = readGatewayPrivateKey(dir);
    expect(verifyPacket(resign(body, gatewayKey), recorded).problem?.code).toBe('event');
    const relinked = structuredClone(body);
    const row = relinked.chain.rows.find((r) => r[0] === relinked.events[1].seq);
    if (row) row[4] = sha256Hex(relinked.events[1].body);
    expect(verifyPacket(resign(relinked, gatewayKey), recorded).problem?.code).toBe('segment');
  }, 300_000);
});
