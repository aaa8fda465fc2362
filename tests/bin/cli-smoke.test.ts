import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledIsCurrent, ROOT } from '../../bin/compile.mjs';
import { COMMANDS } from '../../cli/commands.ts';

/**
 * Every command and sub-command that `parkwatch --help` lists, run for real through the
 * compiled CLI (`bin/parkwatch.js` on the .mjs files `npm ci` makes), with short durations,
 * temporary folders and free ports. The TypeScript sources under tsx can hide a module that is
 * never compiled (a product file importing tests/, say); this cannot.
 */

interface Run {
  args: string[];
  /** the exit status, or the statuses allowed where the machine decides (doctor's clock check) */
  exit: number | number[];
  /** expected in stdout + stderr */
  says?: RegExp;
  stdin?: string;
  /** a long-running command: wait for this line, then SIGTERM, then expect `exit` */
  until?: RegExp;
}

let dir = '';
const at = (name: string) => join(dir, name);
/** dgiot's example fire frame (tests/protocol/gbt26875-codec.test.ts) */
const GBT_FIRE =
  '404000000101180d11160a140000000000000605040302013000020201010300d90006000200a3c1c7f8a3b1b2e3dfc8b2b8d7dfc0c8000000000000000000000000000000301213010814682323';
const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** Keyed by the command's words; each alternative of its usage line must be run at least once. */
function runs(): Record<string, Run[]> {
  const data = ['--data', at('data')];
  return {
    'firmware build': [{ args: ['firmware', 'build', '--no-typecheck'], exit: 0, says: /parkwatch-node\.js/ }],
    'firmware check': [
      { args: ['firmware', 'check', join(ROOT, 'firmware/dist/parkwatch-node.js')], exit: 0 },
      { args: ['firmware', 'check', at('bad.js')], exit: 1, says: /bad\.js:1:/ },
    ],
    'flows build': [{ args: ['flows', 'build'], exit: 0, says: /flow files are up to date|updated/ }],
    flash: [
      { args: ['flash', '--node', at('node.json'), '--dry-run', '--out', at('upload.bin')], exit: 0 },
      // a real attempt: the port is closed, so it must say so and what to do
      { args: ['flash', '--port', 'tcp://127.0.0.1:9', '--node', at('node.json'), '--timeout', '2'], exit: 1 },
    ],
    users: [
      { args: ['users', 'add', 'amy', '--role', 'admin', ...data], stdin: 'correct horse 1\n', exit: 0 },
      { args: ['users', 'passwd', 'amy', ...data], stdin: 'battery staple 2\n', exit: 0 },
      { args: ['users', 'list', ...data], exit: 0, says: /amy/ },
      { args: ['users', 'kiosk', 'add', 'wall', ...data], exit: 0 },
      { args: ['users', 'kiosk', 'list', ...data], exit: 0, says: /wall/ },
      { args: ['users', 'kiosk', 'remove', 'wall', ...data], exit: 0 },
      { args: ['users', 'remove', 'amy', ...data], exit: 0 },
    ],
    nodes: [
      {
        args: ['nodes', 'add', 'n-0101', '--channels', 'smoke', '--site', 'B1', '--zone', 'A1', '--key', KEY, ...data],
        exit: 0,
      },
      { args: ['nodes', 'import', at('nodes.csv'), ...data], exit: 0 },
      { args: ['nodes', 'list', '--json', ...data], exit: 0, says: /n-0102/ },
      { args: ['nodes', 'remove', 'n-0102', ...data], exit: 0 },
    ],
    // n-0101 is registered in B1 (above); n-9999 is not, and is named
    plans: [
      {
        args: ['plans', 'import', at('plans.json'), '--dry-run', ...data],
        exit: 0,
        says: /would import.*\b1 node positions[\s\S]*n-9999/,
      },
      { args: ['plans', 'import', at('plans.json'), ...data], exit: 0, says: /imported.*\b1 node positions/ },
      { args: ['plans', 'export', at('export.json'), ...data], exit: 0, says: /exported 1 .*1 node positions/ },
      {
        args: ['plans', 'import', at('damaged.json'), ...data],
        exit: 2,
        says: /nothing imported: the plan of B1 is damaged/,
      },
    ],
    mqtt: [
      { args: ['mqtt', 'hash-password'], stdin: 'consumer secret\n', exit: 0, says: /scrypt\$/ },
      { args: ['mqtt', 'node-passwords', ...data], exit: 0, says: /n-0101/ },
    ],
    gateway: [
      { args: ['gateway', '--schema'], exit: 0, says: /"\$schema"/ },
      { args: ['gateway', '--config', at('gateway.yaml')], exit: 0, until: /data folder/ },
    ],
    start: [
      { args: ['start', '--config', at('gateway.yaml'), '--no-sim'], exit: 0, until: /data folder/ },
      { args: ['start', '--config', at('gateway.yaml')], exit: 0, until: /data folder[\s\S]*\n.*\n/ },
    ],
    log: [
      { args: ['log', 'verify', '--config', at('gateway.yaml')], exit: 0, says: /chain intact/ },
      { args: ['log', 'pubkey', '--config', at('gateway.yaml')], exit: 0, says: /BEGIN PUBLIC KEY/ },
      // nothing here is 5 years old (tests/gateway/log-archive.test.ts archives a real segment)
      {
        args: ['log', 'archive', '--before', '2026-01-01', '--out', at('a.sqlite'), '--config', at('gateway.yaml')],
        exit: 1,
        says: /retention/,
      },
    ],
    // no alarm happened here: each names what is missing (tests/gateway/incidents.test.ts files a real fire)
    incidents: [
      { args: ['incidents', 'list', '--config', at('gateway.yaml')], exit: 0, says: /no incidents/ },
      { args: ['incidents', 'show', 'gw1:1', '--config', at('gateway.yaml')], exit: 1, says: /no incident/ },
      {
        args: ['incidents', 'close', 'gw1:1', '--cause', 'test', '--wait', '1', '--config', at('gateway.yaml')],
        exit: 1,
        says: /is it running/,
      },
      {
        args: ['incidents', 'export', 'gw1:1', '--out', at('i.json'), '--config', at('gateway.yaml')],
        exit: 1,
        says: /no incident/,
      },
      { args: ['incidents', 'verify', at('i.json')], exit: 1, says: /cannot read the packet/ },
    ],
    drill: [
      {
        args: ['drill', 'start', '--enterprise', 'E1', '--zone', 'A2', '--scenario', 'water', '--by', 'amy', ...data],
        exit: 0,
        says: /drill #1 started/,
      },
      { args: ['drill', 'list', '--json', ...data], exit: 0, says: /"enterprise": "E1"/ },
      { args: ['drill', 'stop', '--enterprise', 'E1', ...data], exit: 0, says: /drill #1 stopped/ },
      { args: ['drill', 'report', '1', '--out', at('drill.html'), ...data], exit: 0, says: /score 0 \(fail\)/ },
    ],
    hazards: [
      { args: ['hazards', 'list', '--json', ...data], exit: 0, says: /\[\]/ },
      // no hazard 1 in this registry: the refusal names it
      { args: ['hazards', 'update', '1', '--state', 'rectifying', ...data], exit: 1, says: /no hazard #1/ },
    ],
    'report monthly': [
      {
        args: ['report', 'monthly', '--month', '2026-01', '--out', at('monthly.json'), ...data],
        exit: 0,
        says: /monthly report 2026-01/,
      },
      { args: ['report', 'monthly', '--month', '2026-13', '--out', at('monthly.html'), ...data], exit: 2 },
    ],
    backup: [{ args: ['backup', '--out', at('backup.sqlite'), '--config', at('gateway.yaml')], exit: 0 }],
    restore: [{ args: ['restore', at('backup.sqlite'), '--config', at('gateway.yaml')], exit: 0 }],
    // a line per check; warnings or failures here (no gateway runs, the clock may be unsynchronised)
    doctor: [{ args: ['doctor', '--config', at('gateway.yaml')], exit: [1, 2], says: /^ok +database/m }],
    service: [
      { args: ['service', 'install', '--dry-run', '--config', at('gateway.yaml')], exit: 0, says: /\[Service\]/ },
      { args: ['service', 'install', '--root', at('root')], exit: 0 },
      { args: ['service', 'uninstall', '--root', at('root')], exit: 0 },
    ],
    gbt26875: [
      { args: ['gbt26875', 'decode', GBT_FIRE], exit: 0, says: /"command"/ },
      { args: ['gbt26875', 'decode', `${GBT_FIRE.slice(0, -6)}002323`], exit: 1, says: /checksum/ },
      { args: ['gbt26875', 'encode'], stdin: 'from-decode', exit: 0, says: new RegExp(GBT_FIRE) },
    ],
    'sim gbt-centre': [{ args: ['sim', 'gbt-centre', '--port', '0'], exit: 0, until: /listening on/ }],
    // one NIST test, no water series: the whole eval on the shipped data runs in tests/simulator
    'sim eval': [{ args: ['sim', 'eval', '--data', at('eval')], exit: 0, says: /detected \d+\/\d+/ }],
    'sim run': [{ args: ['sim', 'run', at('scenario.yaml'), '--junit', at('out.xml')], exit: 0 }],
    'sim drill': [{ args: ['sim', 'drill', '--report', at('sim-drill.json')], exit: 0, says: /drill run complete/ }],
    'sim park': [{ args: ['sim', 'park', '--nodes', '2', '--rate', '2', '--duration', '2'], exit: 0 }],
  };
}

let lastOut = '';

function cli(run: Run): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/parkwatch.js'), ...run.args], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PW_LOG_LEVEL: undefined },
    });
    let out = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    const take = (d: Buffer) => {
      out += d;
      if (run.until && !signalled && run.until.test(out)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.stdin?.end(run.stdin === 'from-decode' ? lastOut : (run.stdin ?? ''));
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) lastOut = out;
      resolve({ code, out });
    });
  });
}

/** The alternatives of a usage line: `add NAME ... | passwd NAME | kiosk add LABEL` -> add, passwd, kiosk add. */
function alternatives(usage: string, words: string[]): string[] {
  // options in brackets ([--config FILE | --data DIR]) are not alternatives of the command
  const rest = usage.slice(`parkwatch ${words.join(' ')}`.length).replace(/\[[^\]]*\]/g, '');
  return rest
    .split(' | ')
    .map((alt) => {
      const lead: string[] = [];
      for (const token of alt.trim().split(/\s+/)) {
        if (/^[a-z][a-z-]*$/.test(token)) lead.push(token);
        else {
          if (lead.length === 0 && token.startsWith('--')) lead.push(token);
          break;
        }
      }
      return lead.join(' ');
    })
    .filter((alt) => alt !== '');
}

beforeAll(() => {
  if (!compiledIsCurrent()) {
    const made = spawnSync(process.execPath, [join(ROOT, 'bin/compile.mjs')], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
  }
  dir = mkdtempSync(join(tmpdir(), 'pw-cli-'));
  writeFileSync(at('bad.js'), 'const { a } = b;\n');
  mkdirSync(at('eval/nist-smoke-alarms'), { recursive: true });
  for (const file of ['NIST_Smoke_Alarms_SDC02.csv', 'Activation_Times.csv'])
    copyFileSync(join(ROOT, 'simulator/data/nist-smoke-alarms', file), at(`eval/nist-smoke-alarms/${file}`));
  writeFileSync(
    at('node.json'),
    JSON.stringify({
      id: 'fab3-smoke-07',
      key: KEY,
      link: { kind: 'serial' },
      channels: [{ name: 'smoke', kind: 'analog' }],
    }),
  );
  const plan = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"/>');
  const planFile = (image: Buffer) =>
    JSON.stringify({
      format: 'parkwatch-site-plans',
      version: 1,
      exportedAt: 0,
      from: { gw: 'gw0', park: 'park0' },
      sites: [
        {
          site: 'B1',
          type: 'image/svg+xml',
          sha256: createHash('sha256').update(plan).digest('hex'),
          image: image.toString('base64'),
          positions: { 'n-0101': { x: 0.5, y: 0.5 }, 'n-9999': { x: 0.1, y: 0.1 } },
        },
      ],
      nodes: [{ id: 'n-9999', enterprise: 'E1', site: 'B1', zone: 'A9', location: 'north door' }],
    });
  writeFileSync(at('plans.json'), planFile(plan));
  writeFileSync(at('damaged.json'), planFile(Buffer.from(plan.toString().replace('10 10', '10 11'))));
  writeFileSync(at('nodes.csv'), `id,enterprise,zone,location,channels\nn-0102,E1,A2,east wall,water\n`);
  writeFileSync(
    at('gateway.yaml'),
    [
      `dataDir: ${at('data')}`,
      'http: { host: 127.0.0.1, port: 0 }',
      'localBroker: { mode: embedded, host: 127.0.0.1, port: 0 }',
      'log: { level: info }',
    ].join('\n'),
  );
  writeFileSync(
    at('scenario.yaml'),
    [
      'name: smoke check',
      'durationS: 30',
      'nodes:',
      '  - id: s1',
      '    link: mqtt',
      'expect:',
      '  - { expect: no_alarm, fromS: 0, toS: 30 }',
    ].join('\n'),
  );
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the compiled CLI, every command for real', () => {
  it('has a run for every command and every alternative of its usage', () => {
    const table = runs();
    const missing: string[] = [];
    for (const command of COMMANDS) {
      const key = command.words.join(' ');
      const list = table[key];
      if (!list) {
        missing.push(key);
        continue;
      }
      for (const alt of alternatives(command.usage, command.words)) {
        const covered = list.some((r) => {
          const after = r.args.slice(command.words.length).join(' ');
          return alt.startsWith('--') ? r.args.includes(alt) : after.startsWith(alt);
        });
        if (!covered) missing.push(`${key} ${alt}`);
      }
    }
    expect(missing).toEqual([]);
  });

  // in this order: later runs use what earlier ones made (the build, the registry, the data folder)
  for (const key of Object.keys(runs())) {
    it(`parkwatch ${key}`, async () => {
      for (const run of runs()[key] ?? []) {
        const { code, out } = await cli(run);
        const what = `parkwatch ${run.args.join(' ')} -> ${code}\n${out.slice(-2000)}`;
        expect([run.exit].flat(), what).toContain(code);
        if (run.says) expect(out, what).toMatch(run.says);
        expect(out, what).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module|TypeError|ReferenceError|NOT RUNNING/);
      }
    }, 400_000);
  }
});
