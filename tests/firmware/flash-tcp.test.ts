import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configText } from '../../firmware/node-config-schema.ts';
import { fakeBoardOnTcp } from '../support/fake-board.ts';
import { runNode } from '../support/run-process.ts';

/**
 * The tcp:// path (an ESP32's Espruino console over telnet on Wi-Fi) and proof that a flash
 * never goes online: the child runs with a preloaded guard that logs, and refuses, every TCP
 * connection and DNS lookup it attempts. A control run shows the guard catches EspruinoTools
 * fetching a module from espruino.com when it is left at its defaults.
 */

const NODE = {
  id: 'water-b2',
  key: 'ffeeddccbbaa99887766554433221100',
  link: { kind: 'mqtt', ssid: '园区物联网-3F', pass: 'secret', host: '192.168.10.2' },
  channels: [{ name: 'water', kind: 'contact', latch: true }],
};
const SCRIPT = 'var wifi = require("Wifi");\nvar net = require("net");\nE.on("init", function () { print("pw"); });\n';

// Logs every outbound TCP connection and DNS lookup to $PW_NET_LOG; refuses those not on loopback.
const GUARD = `
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
const log = (line) => fs.appendFileSync(process.env.PW_NET_LOG, line + '\\n');
const loopback = (h) => h === undefined || h === 'localhost' || h === '127.0.0.1' || h === '::1';
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const o = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (o.path === undefined) {
    log('connect ' + (o.host ?? 'localhost') + ':' + o.port);
    if (!loopback(o.host)) {
      process.nextTick(() => this.destroy(new Error('blocked by test: ' + o.host)));
      return this;
    }
  }
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  log('lookup ' + host);
  if (!loopback(host)) {
    const cb = rest[rest.length - 1];
    return process.nextTick(() => cb(Object.assign(new Error('blocked by test'), { code: 'ENOTFOUND' })));
  }
  return lookup.call(this, host, ...rest);
};
`;

let dir: string;
let guard: string;
let netLog: string;

async function run(args: string[], cwdArgs = ['bin/parkwatch.js', 'flash']) {
  rmSync(netLog, { force: true });
  const res = await runNode(['--import', pathToFileURL(guard).href, ...cwdArgs, ...args], {
    ...process.env,
    PW_NET_LOG: netLog,
  });
  const net = existsSync(netLog) ? readFileSync(netLog, 'utf8').trim().split('\n') : [];
  return { ...res, net };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-flash-tcp-'));
  guard = join(dir, 'guard.mjs');
  netLog = join(dir, 'net.log');
  writeFileSync(guard, GUARD);
  writeFileSync(join(dir, 'node.json'), JSON.stringify(NODE));
  writeFileSync(join(dir, 'fw.js'), SCRIPT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flash over tcp://', () => {
  it('flashes through a telnet console and connects to nothing but it', async () => {
    const fake = await fakeBoardOnTcp();
    try {
      const res = await run(['--port', fake.url, '--node', join(dir, 'node.json'), '--script', join(dir, 'fw.js')]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(fake.board.storage.get('.bootcde')).toBe(SCRIPT);
      // the Chinese SSID is stored as UTF-8 bytes, and the node's config hash over them matches
      expect(fake.board.storage.get('pw.cfg')).toBe(Buffer.from(configText(NODE as never), 'utf8').toString('latin1'));
      expect(res.stdout).toContain('✓ 配置与写入的一致');
      expect(res.stdout).toMatch(/water \(contact, D32\):\s+未动作/);
      const port = fake.url.split(':').pop();
      expect(res.net).toEqual([`connect 127.0.0.1:${port}`]);
    } finally {
      await fake.close();
    }
  });

  it('a dry run resolves every module offline and opens no connection at all', async () => {
    const out = join(dir, 'dry.bin');
    const res = await run([
      '--node',
      join(dir, 'node.json'),
      '--script',
      join(dir, 'fw.js'),
      '--dry-run',
      '--out',
      out,
    ]);
    expect(res.code).toBe(0);
    expect(res.net).toEqual([]);
    // Wifi and net are built in: no Modules.addCached for them
    expect(readFileSync(out, 'latin1')).not.toContain('Modules.addCached');
  });

  it('the guard does catch EspruinoTools going online when left at its defaults', async () => {
    const control = `
      const espruino = require(${JSON.stringify(join(process.cwd(), 'node_modules/espruino'))});
      console.log = () => {};
      espruino.init(() => {
        Espruino.Config.BLUETOOTH_LOW_ENERGY = false;
        Espruino.callProcessor('transformForEspruino', 'require("Wifi");', () => process.exit(0));
      });`;
    const res = await run(['-e', control], []);
    expect(res.net.some((l) => /espruino\.com/.test(l))).toBe(true);
  });

  it('says the upload finished when the console hangs up during the restart', async () => {
    const fake = await fakeBoardOnTcp({ hangUpAfterLoadMs: 400 });
    try {
      const res = await run(['--port', fake.url, '--node', join(dir, 'node.json'), '--script', join(dir, 'fw.js')]);
      expect(res.code).toBe(1);
      expect(fake.board.storage.get('.bootcde')).toBe(SCRIPT);
      expect(res.stderr).toContain('[port_lost]');
      expect(res.stderr).toContain('the upload finished, but the node dropped');
    } finally {
      await fake.close();
    }
  });

  it('says when nothing listens at the address', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const res = await run([
      '--port',
      `tcp://127.0.0.1:${port}`,
      '--node',
      join(dir, 'node.json'),
      '--script',
      join(dir, 'fw.js'),
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[port_open]');
    expect(res.stderr).toContain('ECONNREFUSED');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
