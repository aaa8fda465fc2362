import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configText } from '../../firmware/node-config-schema.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { type BoardBehaviour, fakeBoardOnSerial, sha256Hex } from '../support/fake-board.ts';
import { type ProcessResult, runNode } from '../support/run-process.ts';

/**
 * `parkwatch flash` as an installer runs it (a child process), against a fake Espruino board on
 * a real PTY pair: what lands in the board's Storage, what the summary says, that the dry run is
 * byte for byte what the board received, and every error an installer can meet.
 */

const NODE = {
  id: 'smoke-a1',
  key: '00112233445566778899aabbccddeeff',
  link: { kind: 'serial' },
  channels: [
    { name: 'smoke', kind: 'analog' },
    { name: 'water', kind: 'contact' },
  ],
};
// a script with a multi-line function, quotes, a non-ASCII comment byte and a built-in module
const SCRIPT = [
  'var storage = require("Storage");',
  '// 烟感 node',
  'function start(cfg) {',
  '  if (cfg) print("pw start");',
  '  else print(\'no "cfg"\');',
  '}',
  'E.on("init", function () { start(storage.readJSON("pw.cfg")); });',
  '',
].join('\n');
// EspruinoTools' handshake before the upload: a newline to get a prompt, then process.env
const HANDSHAKE = '\n\x10print("<","<<",JSON.stringify(process.env),">>",">")\n';

let dir: string;
let nodeFile: string;
let scriptFile: string;

function run(args: string[]): Promise<ProcessResult> {
  return runNode(['bin/parkwatch.js', 'flash', ...args]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-flash-'));
  nodeFile = join(dir, 'node.json');
  scriptFile = join(dir, 'fw.js');
  writeFileSync(nodeFile, JSON.stringify(NODE, null, 2));
  writeFileSync(scriptFile, SCRIPT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flash over a serial port', () => {
  let pty: PtyPair;
  let closeBoard: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await closeBoard?.();
    closeBoard = undefined;
    await pty?.stop();
  });
  async function boardOn(behaviour: BoardBehaviour = 'normal') {
    pty = await startPtyPair();
    const fake = await fakeBoardOnSerial(pty.nodePath, { behaviour });
    closeBoard = fake.close;
    return fake.board;
  }

  it('writes the script and the config into Storage, restarts and prints the summary', async () => {
    const board = await boardOn();
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile, '--timeout', '10']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(board.storage.get('.bootcde')).toBe(readFileSync(scriptFile, 'latin1'));
    expect(board.storage.get('pw.cfg')).toBe(configText(NODE as never));
    expect(board.boots).toBe(1);
    expect(res.stdout).toContain('ESP32, Espruino 2v29');
    expect(res.stdout).toContain('smoke-a1 (boot 1');
    expect(res.stdout).toContain(`hash ${sha256Hex(configText(NODE as never)).slice(0, 16)}`);
    expect(res.stdout).toContain('✓ 签名用节点密钥验证通过 / signature verified with the node key');
    expect(res.stdout).toContain('✓ 配置与写入的一致 / config matches what was written');
    expect(res.stdout).toMatch(/smoke \(analog, D34\):\s+12 \(基线 \/ baseline 10, normal\)/);
    expect(res.stdout).toMatch(/water \(contact, D32\):\s+未动作 \/ inactive \(normal\)/);
    expect(res.stdout).toContain('free 2100 JsVars');
    expect(res.stdout).toContain('✓ 调试通过');

    // the dry run is exactly what the board received after the handshake
    const out = join(dir, 'dry.bin');
    const dry = await run(['--node', nodeFile, '--script', scriptFile, '--dry-run', '--out', out]);
    expect(dry.code).toBe(0);
    const planned = readFileSync(out, 'latin1');
    expect(board.received).toBe(HANDSHAKE + planned);
    expect(planned.startsWith('\x10reset();\n\x10print()\n')).toBe(true);
    expect(planned.endsWith('\x10load()\n\n')).toBe(true);
  });

  it('is not put off by errors the old firmware printed before the upload', async () => {
    pty = await startPtyPair();
    const fake = await fakeBoardOnSerial(pty.nodePath, { chatter: 'Uncaught Error: old firmware crashed\r\n>' });
    closeBoard = fake.close;
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile, '--timeout', '5']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it('holds the upload while the board sends XOFF', async () => {
    pty = await startPtyPair();
    const fake = await fakeBoardOnSerial(pty.nodePath, { xoffMs: 600 });
    closeBoard = fake.close;
    const big = join(dir, 'flow.js');
    writeFileSync(big, `${SCRIPT}var pad = "${'y'.repeat(3000)}";\n`);
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', big, '--fast', '--timeout', '5']);
    expect(res.code).toBe(0);
    expect(fake.board.storage.get('.bootcde')).toBe(readFileSync(big, 'latin1'));
    // pw.cfg + 4 script chunks; at most one 512-byte block was already on its way when XOFF came
    expect(fake.board.bytesWhilePaused.length).toBe(5);
    expect(Math.max(...fake.board.bytesWhilePaused)).toBeLessThanOrEqual(512);
  });

  it('refuses an invalid node.json before touching the port, naming the key', async () => {
    const board = await boardOn();
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...NODE, channels: [{ name: 'smoke', kind: 'analog', pre: 200, alarm: 150 }] }),
    );
    const res = await run(['--port', pty.gatewayPath, '--node', bad, '--script', scriptFile]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[node_file]');
    expect(res.stderr).toContain('channels.0.pre');
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(board.received).toBe('');
  });

  it('says so when the board is silent (no Espruino, wrong baud)', async () => {
    await boardOn('silent');
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[no_answer]');
    expect(res.stderr).toContain('did not answer like an Espruino console');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails with the summary when no hello arrives in time', async () => {
    const board = await boardOn('no-hello');
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile, '--timeout', '1']);
    expect(res.code).toBe(1);
    expect(board.storage.get('.bootcde')).toBe(readFileSync(scriptFile, 'latin1'));
    expect(res.stderr).toContain('[no_hello]');
    expect(res.stderr).toContain('no hello from node smoke-a1 within 1 s');
    expect(res.stdout).toContain('✗ 调试未通过');
  });

  it('reports a Storage write the board refused', async () => {
    await boardOn('storage-full');
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile, '--timeout', '2']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[upload]');
    expect(res.stderr).toContain('Not enough free space in Storage');
  });

  it('fails when the node reports its config invalid', async () => {
    await boardOn('unconfigured');
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile, '--timeout', '5']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[node_unconfigured]');
    expect(res.stderr).toContain('channels[0].pre: must be a number in 1..1000000');
  });

  it('fails when the hello is not signed with the key in node.json', async () => {
    await boardOn('wrong-key');
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile, '--timeout', '5']);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('✗ 签名与 node.json 中的密钥不符');
    expect(res.stderr).toContain('[hello_mismatch]');
  });

  it('says the line dropped when the adapter is pulled during the upload', async () => {
    const board = await boardOn();
    const big = join(dir, 'big.js');
    writeFileSync(big, `${SCRIPT}var pad = "${'x'.repeat(8000)}";\n`);
    const pending = run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', big]);
    while (!board.received.includes('.bootcde')) await new Promise((r) => setTimeout(r, 20));
    await pty.unplug();
    const res = await pending;
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[port_lost]');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a board whose Espruino lacks a module the script needs', async () => {
    pty = await startPtyPair();
    const fake = await fakeBoardOnSerial(pty.nodePath, { modules: ['Flash', 'crypto'] });
    closeBoard = fake.close;
    const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[module_missing]');
    expect(res.stderr).toContain('Storage');
    expect(fake.board.storage.size).toBe(0);
  });

  it('says the port is busy when another program holds it', async () => {
    await boardOn();
    const holder = new SerialPort({ path: pty.gatewayPath, baudRate: 115200, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => holder.open((err) => (err ? reject(err) : resolve())));
    try {
      const res = await run(['--port', pty.gatewayPath, '--node', nodeFile, '--script', scriptFile]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('[port_busy]');
      expect(res.stderr).toContain('正被其他程序占用');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

describe('flash without a board', () => {
  it('says the port does not exist', async () => {
    const res = await run(['--port', join(dir, 'ttyUSB9'), '--node', nodeFile, '--script', scriptFile]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[port_missing]');
    expect(res.stderr).toContain('找不到串口');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('says the script is missing, with the build command', async () => {
    const out = join(dir, 'x.bin');
    const res = await run(['--node', nodeFile, '--script', join(dir, 'none.js'), '--dry-run', '--out', out]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[script_file]');
    expect(res.stderr).toContain('npx parkwatch firmware build');
  });

  it('refuses a script Espruino cannot run, before touching anything', async () => {
    const bad = join(dir, 'modern.js');
    writeFileSync(bad, 'const { a, b } = { a: 1, b: 2 };\nprint(a + b);\n');
    const out = join(dir, 'never.bin');
    const res = await run(['--node', nodeFile, '--script', bad, '--dry-run', '--out', out]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('[script_file]');
    expect(res.stderr).toContain('npx parkwatch firmware check');
    expect(existsSync(out)).toBe(false);
  });

  it('treats a call without --port or --node as a usage mistake', async () => {
    expect((await run(['--node', nodeFile])).code).toBe(2);
    const res = await run(['--port', '/dev/null']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--node');
  });
});
