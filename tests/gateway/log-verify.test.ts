import { execFile } from 'node:child_process';
import { cpSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { linkHash, sha256Hex } from '../../gateway/store/chain.ts';
import { DB_FILE, openDatabase } from '../../gateway/store/database.ts';
import { KEY_FILE } from '../../gateway/store/gateway-key.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { type GatewayProcess, spawnGateway, waitForPort, writeConfig } from './support/gateway-process.ts';
import { tempDir, until } from './support/gateway-rig.ts';

/**
 * The tamper-evident log against the real gateway process: what it stores verifies, plain SQL
 * that alters, deletes or inserts a row makes `parkwatch log verify` exit 1 naming the row, and
 * a SIGKILL in the middle of heavy ingest leaves a chain that still verifies after a restart.
 * Generous timeouts: every `parkwatch` run loads the CLI from TypeScript, slow on a loaded box.
 */
const ROOT = join(import.meta.dirname, '..', '..');

let broker: RunningMosquitto | undefined;
let gw: GatewayProcess | undefined;
const clients: MqttClient[] = [];
const dirs: string[] = [];

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  for (const c of clients) c.end(true);
  await broker?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function parkwatch(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'parkwatch.js'), ...args], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** A data dir with registered nodes and a gateway config whose cloud is the test broker. */
async function park(nodes: number): Promise<{ dir: string; config: string; localPort: number; sims: NodeClient[] }> {
  const dir = tempDir('pw-chain-');
  dirs.push(dir);
  const db = openDatabase(dir);
  const stored = new NodeRegistry(db).upsert(
    Array.from({ length: nodes }, (_, i) => ({ id: `c${i}`, channels: ['smoke'] })),
    Date.now(),
  );
  db.close();
  const localPort = await freePort();
  const config = writeConfig(dir, {
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    localBroker: { mode: 'embedded', host: '127.0.0.1', port: localPort },
    cloud: { url: broker?.url, inflight: 100, backoff: { minMs: 100, maxMs: 300 } },
    panel: { enabled: false },
    log: { level: 'warn' },
  });
  return { dir, config, localPort, sims: stored.map((s) => new NodeClient(s.id, s.keyHex, 1 + dirs.length)) };
}

/** Connects the nodes; `acked` collects `node/boot/seq` of every acknowledged event. */
async function connectAll(sims: NodeClient[], localPort: number, acked: Set<string>): Promise<MqttClient[]> {
  const conns = await Promise.all(
    sims.map((n) =>
      n.connect(`mqtt://127.0.0.1:${localPort}`, (wire) => {
        const cmd = JSON.parse(wire) as { kind: string; boot: number; d: { seqs?: number[] } };
        if (cmd.kind === 'event_ack') for (const s of cmd.d.seqs ?? []) acked.add(`${n.id}/${cmd.boot}/${s}`);
      }),
    ),
  );
  clients.push(...conns);
  return conns;
}

/** A copy of a stopped gateway's data dir with `sql` applied, then verified. */
async function tampered(dir: string, sql: string): Promise<{ code: number; out: string }> {
  const copy = tempDir('pw-chain-tamper-');
  dirs.push(copy);
  cpSync(dir, copy, { recursive: true });
  const db = new Database(join(copy, DB_FILE));
  db.exec(sql);
  db.close();
  return parkwatch('log', 'verify', '--data', copy);
}

describe('tamper-evident event log, real gateway process', () => {
  it('verifies what the gateway stored, sends the links to the cloud, and catches plain-SQL tampering', async () => {
    broker = await startMosquitto();
    const atCloud: DecidedEvent[] = [];
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'chain-watcher', reconnectPeriod: 100 });
    clients.push(watcher);
    watcher.on('message', (_t, payload) => atCloud.push(JSON.parse(payload.toString())));
    await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });

    const { dir, config, localPort, sims } = await park(4);
    gw = spawnGateway(config);
    await waitForPort(localPort);
    const acked = new Set<string>();
    const conns = await connectAll(sims, localPort, acked);
    await Promise.all(
      sims.map(async (n, i) => {
        for (let k = 0; k < 60; k++)
          await n.publish(conns[i], k % 3 === 2 ? n.telemetry() : k % 2 ? n.clear() : n.alarm());
      }),
    );
    await until(() => acked.size === 4 * 40, 20_000, 'all events acknowledged (telemetry is not)');
    // made by the store thread at first start, before its first commit
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    await until(() => new Set(atCloud.map((e) => e.seq)).size >= 4 * 60, 60_000, 'every event at the cloud');
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);

    // a receiver checks continuity: consecutive seqs link, and each hash recomputes from the payload
    const bySeq = new Map(atCloud.map((e) => [e.seq, e]));
    let linked = 0;
    for (const e of bySeq.values()) {
      if (!e.chain) throw new Error(`event ${e.id} reached the cloud without its chain link`);
      const { chain, ...rest } = e;
      const bodyHash = sha256Hex(JSON.stringify(rest));
      expect(linkHash(chain.prev, { seq: e.seq, at: e.at, node: e.node, kind: e.kind, bodyHash })).toBe(chain.hash);
      const before = bySeq.get(e.seq - 1);
      if (before?.chain) {
        expect(chain.prev).toBe(before.chain.hash);
        linked++;
      }
    }
    expect(linked).toBeGreaterThanOrEqual(4 * 60 - 1);

    const ok = await parkwatch('log', 'verify', '--config', config);
    expect(ok.out).toMatch(/verified (\d+) events, chain intact, head [0-9a-f]{64}/);
    expect(ok.code).toBe(0);
    const total = Number(/verified (\d+) events/.exec(ok.out)?.[1]);
    expect(total).toBeGreaterThanOrEqual(4 * 60);
    expect(ok.out).toMatch(/ 0 个事件在最新签名之后 \/ events after the newest signed head/); // the clean stop signed the head

    const pub = await parkwatch('log', 'pubkey', '--data', dir);
    expect(pub.code).toBe(0);
    expect(pub.out).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const pubFile = join(dir, 'auditor.pem');
    writeFileSync(pubFile, pub.out);
    expect((await parkwatch('log', 'verify', '--data', dir, '--pubkey', pubFile)).code).toBe(0);

    const mid = Math.floor(total / 2);
    // each on its own copy, in parallel (every run loads the CLI)
    const [altered, column, deleted, inserted, forged, tail] = await Promise.all([
      tampered(dir, `UPDATE events SET body = json_set(body, '$.data.v', 1) WHERE seq = ${mid}`),
      tampered(dir, `UPDATE events SET at = at - 60000 WHERE seq = ${mid}`),
      tampered(dir, `DELETE FROM events WHERE seq = ${mid}`),
      tampered(
        dir,
        `INSERT INTO events (seq, at, node, kind, body) SELECT seq + 1, at, node, 'alarm', body FROM events ORDER BY seq DESC LIMIT 1`,
      ),
      // an insertion that copies a neighbour's chain fields
      tampered(
        dir,
        `INSERT INTO events (seq, at, node, kind, body, prev_hash, hash) SELECT seq + 1, at, node, kind, body, prev_hash, hash FROM events ORDER BY seq DESC LIMIT 1`,
      ),
      // deleting the newest rows: the signed head still names the last one
      tampered(dir, `DELETE FROM events WHERE seq > ${total - 5}`),
    ]);
    expect(altered.out).toContain(`first bad event seq ${mid}: 内容被改动`);
    expect(altered.out).toContain('altered');
    expect(column.out).toContain(`first bad event seq ${mid}`);
    expect(deleted.out).toContain(`first bad event seq ${mid + 1}`);
    expect(deleted.out).toContain('deleted or inserted');
    expect(inserted.out).toContain(`first bad event seq ${total + 1}`);
    expect(inserted.out).toContain('inserted after the chain began');
    expect(forged.out).toContain(`first bad event seq ${total + 1}`);
    expect(tail.out).toContain(`first bad event seq ${total}`);
    for (const r of [altered, column, deleted, inserted, forged, tail]) expect(r.code).toBe(1);
  }, 240_000);

  it('survives SIGKILL during heavy ingest: after a restart and more ingest the chain verifies', async () => {
    const { dir, config, localPort, sims } = await park(4);
    gw = spawnGateway(config);
    await waitForPort(localPort);
    const acked = new Set<string>();
    let conns = await connectAll(sims, localPort, acked);
    const sending = sims.map(async (n, i) => {
      for (let k = 0; k < 2000; k += 20) {
        const wires = Array.from({ length: 20 }, (_, j) =>
          j % 4 === 3 ? n.telemetry() : n.wire('test', '', { by: 'button', ok: true }),
        );
        await Promise.all(wires.map((w) => n.publish(conns[i], w)));
      }
    });
    await until(() => acked.size >= 400, 20_000, 'some events acknowledged');
    // verify reads beside the writing gateway
    const live = await parkwatch('log', 'verify', '--data', dir);
    expect(live.out).toContain('chain intact');
    expect(live.code).toBe(0);
    gw.child.kill('SIGKILL');
    expect(await gw.exited).toBe('SIGKILL');
    for (const c of conns) c.end(true);
    await Promise.allSettled(sending);
    const ackedAtKill = acked.size;
    const killed = await parkwatch('log', 'verify', '--data', dir);
    expect(killed.out).toContain('chain intact');
    expect(killed.code).toBe(0);

    gw = spawnGateway(config);
    await waitForPort(localPort);
    conns = await connectAll(sims, localPort, acked);
    await Promise.all(
      sims.map(async (n, i) => {
        for (let k = 0; k < 50; k++) await n.publish(conns[i], n.wire('test', '', { by: 'button', ok: true }));
      }),
    );
    await until(() => acked.size >= ackedAtKill + 200, 20_000, 'ingest after the restart acknowledged');
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    const after = await parkwatch('log', 'verify', '--data', dir);
    expect(after.out).toMatch(/verified \d+ events, chain intact/);
    expect(after.code).toBe(0);
    expect(Number(/verified (\d+) events/.exec(after.out)?.[1])).toBeGreaterThanOrEqual(ackedAtKill + 200);
  }, 240_000);
});
