import { accessSync, constants, existsSync, readFileSync, statfsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { ConfigError, loadConfig, validateConfig } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { USERS_FILE } from '../panel/users.ts';
import { DB_FILE } from '../store/database.ts';
import { SCHEMA_VERSION } from '../store/schema.ts';
import type { ClockSync } from './clock-sync.ts';

/**
 * The checks of `parkwatch doctor`, one function each, in the order an operator fixes things.
 * Each finding is ok / warn / fail with what was seen and, when not ok, what to do (both in
 * Chinese and English). The machine's answers (clock, brokers) come through `DoctorDeps`.
 */
export type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  status: Status;
  check: string;
  detail: string;
  todo?: string;
}

export interface DoctorDeps {
  clock: ClockSync;
  /** resolves to undefined when an MQTT CONNECT succeeded, else the reason */
  probeMqtt: (url: string, options: mqtt.IClientOptions) => Promise<string | undefined>;
}

const ok = (check: string, detail: string): Finding => ({ status: 'ok', check, detail });
const warn = (check: string, detail: string, todo: string): Finding => ({ status: 'warn', check, detail, todo });
const fail = (check: string, detail: string, todo: string): Finding => ({ status: 'fail', check, detail, todo });

export function checkConfig(file: string | undefined): { finding: Finding; config?: GatewayConfig } {
  try {
    const config = file ? loadConfig(file) : validateConfig({ dataDir: './var' }, '(defaults / 默认配置)');
    return {
      finding: ok('config', file ? `${file} 有效 / valid` : '未给 --config，用默认值 / no --config: defaults'),
      config,
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { finding: fail('config', err.message, '按提示修改配置文件 / fix the config file as the message says') };
  }
}

export function checkDataDir(dir: string): Finding {
  const where = resolve(dir);
  if (!existsSync(where))
    return warn(
      'data',
      `${where} 不存在 / does not exist`,
      '网关首次启动时会创建 / the gateway creates it on first start',
    );
  try {
    accessSync(where, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    return fail(
      'data',
      `${where} 当前用户不可写 / not writable by this user`,
      '以网关的用户运行，或 chown 给该用户 / run as the gateway’s user, or chown it to that user',
    );
  }
  const mode = statSync(where).mode & 0o777;
  if (mode & 0o007)
    return warn(
      'data',
      `${where} 权限 ${mode.toString(8)}，其他用户可访问 / mode ${mode.toString(8)}: other users can read it`,
      `chmod 700 ${where}（内含节点密钥 / it holds the node keys）`,
    );
  return ok('data', `${where} 可写，权限 ${mode.toString(8)} / writable, mode ${mode.toString(8)}`);
}

/** Free space against the outbox quota: a long cloud outage fills up to the quota. */
export function checkDisk(dir: string, quotaBytes: number, freeBytes = freeBytesAt): Finding {
  let existing = resolve(dir);
  while (!existsSync(existing)) existing = resolve(existing, '..'); // not created yet: the folder it will be in
  const free = freeBytes(existing);
  const mb = (n: number) => `${Math.round(n / 1048576)} MB`;
  const seen = `剩余 ${mb(free)}，发件箱配额 ${mb(quotaBytes)} / ${mb(free)} free, outbox quota ${mb(quotaBytes)}`;
  if (free < quotaBytes)
    return fail('disk', seen, '腾出空间或调低 outbox.quotaBytes / free space or lower outbox.quotaBytes');
  if (free < 2 * quotaBytes)
    return warn(
      'disk',
      seen,
      '剩余不足配额两倍（还有日志和备份）/ less than twice the quota (logs and backups need room too)',
    );
  return ok('disk', seen);
}

export function freeBytesAt(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export function checkDatabase(dir: string): Finding {
  const file = join(dir, DB_FILE);
  if (!existsSync(file)) return warn('database', `${file} 尚未创建 / not created yet`, '启动网关 / start the gateway');
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') return fail('database', `${file}: ${String(check)}`, restoreTodo);
      const schema = db.pragma('user_version', { simple: true }) as number;
      if (schema > SCHEMA_VERSION)
        return fail(
          'database',
          `${file} 结构版本 ${schema}，本版本只支持到 ${SCHEMA_VERSION}，网关拒绝启动 / schema version ${schema}, ` +
            `newer than this release's ${SCHEMA_VERSION}: the gateway refuses to start (no downgrades)`,
          '重新安装较新的版本，或恢复用本版本做的备份 / install the newer release again, or restore a backup made with this release',
        );
      if (schema < SCHEMA_VERSION)
        return warn(
          'database',
          `${file} quick_check ok, 结构版本 ${schema} / schema version ${schema} (this release: ${SCHEMA_VERSION})`,
          '网关启动时自动迁移，先备份 / the gateway migrates it when it starts: back it up first',
        );
      return ok('database', `${file} quick_check ok, schema ${schema}`);
    } finally {
      db.close();
    }
  } catch (err) {
    return fail('database', `${file}: ${(err as Error).message}`, restoreTodo);
  }
}

const restoreTodo =
  '停止网关，用 parkwatch restore 恢复最近的备份 / stop the gateway and parkwatch restore the latest backup';

export async function checkClock(clock: ClockSync): Promise<Finding> {
  const { state, via } = await clock.check();
  if (state === 'synced') return ok('clock', `已同步 / synchronised (${via})`);
  if (state === 'unsynced')
    return fail(
      'clock',
      `未同步 / not synchronised (${via})`,
      '检查 NTP：timedatectl timesync-status 或 chronyc sources / check NTP: timedatectl timesync-status or chronyc sources',
    );
  return warn(
    'clock',
    `未知：${via} 都没有回答 / unknown: none of ${via} answered`,
    '安装并启用 systemd-timesyncd 或 chrony / install and enable systemd-timesyncd or chrony',
  );
}

export function checkSerial(config: GatewayConfig): Finding[] {
  return config.serial.map((s) => {
    const check = `serial ${s.path}`;
    if (!existsSync(s.path))
      return fail(
        check,
        '设备不存在 / no such device',
        '插好适配器，检查 udev 规则（docs/operations.md）/ plug the adapter in, check the udev rule (docs/operations.md)',
      );
    try {
      accessSync(s.path, constants.R_OK | constants.W_OK);
    } catch {
      return fail(
        check,
        '无读写权限 / not readable and writable',
        '把网关用户加入 dialout 组 / add the gateway user to the dialout group',
      );
    }
    return ok(check, '存在且可读写 / present, readable and writable');
  });
}

export async function checkLocalBroker(config: GatewayConfig, deps: DoctorDeps): Promise<Finding> {
  const b = config.localBroker;
  if (b.mode === 'embedded') {
    const host = b.host === '0.0.0.0' ? '127.0.0.1' : b.host;
    const reason = await deps.probeMqtt(`mqtt://${host}:${b.port}`, { clientId: `${config.gatewayId}-doctor` });
    if (reason === undefined)
      return ok('local broker', `内置，正在 ${host}:${b.port} 应答 / embedded, answering on ${host}:${b.port}`);
    return warn(
      'local broker',
      `内置，${host}:${b.port} 无应答（网关未运行？）/ embedded, no answer on ${host}:${b.port} (gateway not running?): ${reason}`,
      '启动网关 / start the gateway',
    );
  }
  const reason = await deps.probeMqtt(b.url, {
    clientId: `${config.gatewayId}-doctor`,
    username: b.username,
    password: b.password,
  });
  if (reason === undefined) return ok('local broker', `${b.url} 接受网关的登录 / accepts the gateway’s login`);
  return fail(
    'local broker',
    `${b.url}: ${reason}`,
    '核对 localBroker 的用户名密码与 Mosquitto 的 password_file（docs/ingest.md）/ check localBroker username and password against Mosquitto’s password_file (docs/ingest.md)',
  );
}

export async function checkCloud(config: GatewayConfig, deps: DoctorDeps): Promise<Finding> {
  const c = config.cloud;
  if (!c.url)
    return warn(
      'cloud',
      '未配置 cloud.url，事件留在发件箱 / no cloud.url: events stay in the outbox',
      '配置 cloud.url / set cloud.url',
    );
  const read = (f: string | undefined) => (f ? readFileSync(f) : undefined);
  let tls: mqtt.IClientOptions;
  try {
    tls = {
      ca: read(c.tls.ca),
      cert: read(c.tls.cert),
      key: read(c.tls.key),
      rejectUnauthorized: c.tls.rejectUnauthorized,
    };
  } catch (err) {
    return fail(
      'cloud',
      (err as Error).message,
      '检查 cloud.tls 的文件路径和权限 / check the cloud.tls file paths and permissions',
    );
  }
  // its own client id: the gateway's session must not be taken over
  const clientId = `${c.clientId ?? `parkwatch-${config.parkId}-${config.gatewayId}`}-doctor`;
  const reason = await deps.probeMqtt(c.url, { clientId, username: c.username, password: c.password, ...tls });
  if (reason === undefined) return ok('cloud', `${c.url} 接受登录 / accepts the login`);
  return fail(
    'cloud',
    `${c.url}: ${reason}`,
    '检查网络、防火墙（出站 8883）、证书和账号 / check the network, firewall (outbound 8883), certificates and account',
  );
}

export function checkPanelUsers(config: GatewayConfig): Finding {
  if (!config.panel.enabled) return ok('panel users', '面板已关闭 / panel disabled');
  const file = join(config.dataDir, USERS_FILE);
  const todo = 'parkwatch users add NAME --role admin';
  if (!existsSync(file)) return warn('panel users', '还没有面板用户 / no panel users yet', todo);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT role, COUNT(*) AS n FROM users GROUP BY role').all() as {
      role: string;
      n: number;
    }[];
    const admins = rows.find((r) => r.role === 'admin')?.n ?? 0;
    const total = rows.reduce((a, r) => a + r.n, 0);
    if (admins === 0) return warn('panel users', `${total} 个用户，没有管理员 / ${total} users, no admin`, todo);
    return ok('panel users', `${total} 个用户，${admins} 个管理员 / ${total} users, ${admins} admins`);
  } finally {
    db.close();
  }
}

/** One MQTT CONNECT with no retries; the broker's refusal reason or the socket error. */
export function probeMqtt(url: string, options: mqtt.IClientOptions): Promise<string | undefined> {
  return new Promise((done) => {
    let reason: string | undefined;
    let connected = false;
    const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 5000, clean: true });
    client.once('connect', () => {
      connected = true;
      client.end(true, () => done(undefined));
    });
    client.on('error', (err) => {
      reason ??= err.message;
    });
    client.once('close', () => {
      if (connected) return;
      client.end(true);
      done(reason ?? '连接被关闭 / connection closed');
    });
  });
}
