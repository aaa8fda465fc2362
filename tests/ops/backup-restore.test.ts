import { closeSync, copyFileSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { type GatewayProcess, spawnGateway, waitForPort, writeConfig } from '../gateway/support/gateway-process.ts';
import { tempDir, until } from '../gateway/support/gateway-rig.ts';
import { runNode } from '../support/run-process.ts';

/**
 * A real gateway process takes events from four nodes while `parkwatch backup` copies its
 * database; everything acknowledged before the backup began is in the copy. Damaged, foreign,
 * other-gateway backups and a restore under a running gateway are refused; the good one is
 * restored into a fresh data folder and that gateway replays the outbox to a real broker.
 */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
const cli = (...args: string[]) => runNode([BIN, ...args]);

let broker: RunningMosquitto | undefined;
const gateways: GatewayProcess[] = [];
const clients: MqttClient[] = [];
const dirs = { a: tempDir('pw-bk-a-'), b: tempDir('pw-bk-b-'), files: tempDir('pw-bk-f-') };

afterAll(async () => {
  for (const g of gateways) g.child.kill('SIGKILL');
  for (const c of clients) c.end(true);
  await broker?.dispose();
  for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
});

async function gatewayConfig(dataDir: string, gatewayId = 'gw-bk'): Promise<{ file: string; localPort: number }> {
  const localPort = await freePort();
  const file = writeConfig(dataDir, {
    gatewayId,
    dataDir,
    http: { host: '127.0.0.1', port: 0 },
    localBroker: { mode: 'embedded', host: '127.0.0.1', port: localPort },
    cloud: { url: broker?.url, backoff: { minMs: 100, maxMs: 300 } },
    panel: { enabled: false },
    log: { level: 'warn' },
  });
  return { file, localPort };
}

const key = (node: string, boot: number, seq: number) => `${node}/${boot}/${seq}`;

describe('parkwatch backup and restore', () => {
  it('backs up under load, refuses bad backups, restores and replays the outbox', async () => {
    broker = await startMosquitto({ persistence: true, extraConfig: 'max_queued_messages 0' });
    await broker.stop(); // the cloud is down: every event stays in the outbox
    const db = openDatabase(dirs.a);
    const stored = new NodeRegistry(db).upsert(
      Array.from({ length: 4 }, (_, i) => ({ id: `b${i}`, channels: ['smoke'] })),
      Date.now(),
    );
    db.close();
    const a = await gatewayConfig(dirs.a);
    const gwA = spawnGateway(a.file);
    gateways.push(gwA);
    await waitForPort(a.localPort);

    const acked = new Set<string>();
    const nodes = stored.map((s) => new NodeClient(s.id, s.keyHex));
    const conns = await Promise.all(
      nodes.map((n) =>
        n.connect(`mqtt://127.0.0.1:${a.localPort}`, (wire) => {
          const cmd = JSON.parse(wire) as { kind: string; boot: number; d: { seqs?: number[] } };
          if (cmd.kind === 'event_ack') for (const s of cmd.d.seqs ?? []) acked.add(key(n.id, cmd.boot, s));
        }),
      ),
    );
    clients.push(...conns);
    let sending = true;
    const load = nodes.map(async (n, i) => {
      while (sending) {
        const wires = Array.from({ length: 10 }, () => n.wire('test', '', { by: 'button', ok: true }));
        await Promise.all(wires.map((w) => n.publish(conns[i], w)));
      }
    });
    await until(() => acked.size >= 200, 20_000, 'some events acknowledged');

    const ackedBefore = [...acked];
    const backupFile = join(dirs.files, 'gw-bk.backup.sqlite');
    const made = await cli('backup', '--out', backupFile, '--config', a.file);
    const ackedAfter = acked.size;
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toContain('backup written');
    expect(ackedAfter).toBeGreaterThan(ackedBefore.length); // the nodes kept sending meanwhile

    // everything acknowledged before the backup began is in it, and in its outbox
    const copy = new Database(backupFile, { readonly: true });
    const inCopy = new Set(
      (
        copy
          .prepare(
            "SELECT e.node AS node, json_extract(e.body, '$.origin.boot') AS boot, json_extract(e.body, '$.origin.seq') AS seq FROM events e WHERE e.outbox IS NOT NULL",
          )
          .all() as { node: string; boot: number; seq: number }[]
      ).map((r) => key(r.node, r.boot, r.seq)),
    );
    const outboxIds = (
      copy.prepare("SELECT json_extract(e.body, '$.id') AS id FROM events e WHERE e.outbox IS NOT NULL").all() as {
        id: string;
      }[]
    ).map((r) => r.id);
    copy.close();
    expect(ackedBefore.filter((k) => !inCopy.has(k))).toEqual([]);

    // refusals, each with its reason
    const running = await cli('restore', backupFile, '--config', a.file);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('[gateway_running]');

    const damagedFile = join(dirs.files, 'damaged.sqlite');
    copyFileSync(backupFile, damagedFile);
    const fd = openSync(damagedFile, 'r+');
    const size = statSync(damagedFile).size;
    for (let at = 4096; at < size; at += 4096) writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, at + 8);
    closeSync(fd);
    const damaged = await cli('restore', damagedFile, '--config', a.file);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain('[damaged]');
    expect(damaged.stderr).toContain('已损坏');

    const foreignFile = join(dirs.files, 'foreign.sqlite');
    const foreign = new Database(foreignFile);
    foreign.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)');
    foreign.close();
    const foreignResult = await cli('restore', foreignFile, '--config', a.file);
    expect(foreignResult.code).toBe(1);
    expect(foreignResult.stderr).toContain('[foreign]');
    expect(foreignResult.stderr).toContain('not a parkwatch backup');

    const other = await gatewayConfig(tempDir('pw-bk-o-'), 'gw-other');
    const otherResult = await cli('restore', backupFile, '--config', other.file);
    expect(otherResult.code).toBe(1);
    expect(otherResult.stderr).toContain('[other_gateway]');
    rmSync(join(other.file, '..'), { recursive: true, force: true });

    // the old box dies; a new one gets the backup and the cloud comes back
    sending = false;
    gwA.child.kill('SIGKILL');
    await gwA.exited;
    for (const c of conns) c.end(true);
    await Promise.allSettled(load);
    await broker.start();
    const received = new Set<string>();
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'bk-watcher', reconnectPeriod: 100 });
    clients.push(watcher);
    watcher.on('message', (_t, payload) => received.add((JSON.parse(payload.toString()) as DecidedEvent).id));
    await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });

    const b = await gatewayConfig(dirs.b);
    const restored = await cli('restore', backupFile, '--config', b.file);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`${outboxIds.length} events in the outbox`);
    const gwB = spawnGateway(b.file);
    gateways.push(gwB);
    await until(() => outboxIds.every((id) => received.has(id)), 30_000, 'the restored outbox at the cloud');
    expect(outboxIds.length).toBeGreaterThanOrEqual(200);
    await waitForPort(b.localPort);
    gwB.child.kill('SIGTERM');
    expect(await gwB.exited).toBe(0);
  }, 300_000);
});
