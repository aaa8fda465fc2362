import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildFirmware, SIZE_BUDGET } from '../../firmware/build.ts';
import { checkSource } from '../../firmware/check/checker.ts';
import { embeddedHash, firmwareHash } from '../../firmware/fw-hash.ts';
import { globalCollisions } from '../../firmware/toolchain/global-names.ts';
import { transpileForEspruino } from '../../firmware/toolchain/lower-defaults.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { seal, unseal, verifyBody } from '../../protocol/envelope.ts';
import { encodeFrame, FrameDecoder } from '../../protocol/framing.ts';
import { analogOf } from './support/channel-run.ts';
import { EspruinoVm } from './support/espruino-vm.ts';
import { KEY, nodeConfig } from './support/node-harness.ts';

let built: BuildResult;
beforeAll(async () => {
  built = await buildFirmware({ typecheck: false });
}, 60_000);

describe('firmware build', () => {
  it('passes the Espruino subset checker and fits the 32 KB budget', () => {
    expect(built.findings).toEqual([]);
    expect(built.bytes).toBeLessThanOrEqual(SIZE_BUDGET);
    console.log(`firmware script: ${built.bytes} B of ${SIZE_BUDGET} B`);
  });

  it('lowers default parameters (ES2015 keeps them, Espruino cannot run them) and keeps no class-field syntax', () => {
    const lowered = transpileForEspruino(
      'export class Ring { constructor(private size: number = 8) {} grow(by = 2) { return this.size + by; } }',
      'ring.ts',
    );
    expect(checkSource(lowered.replace(/^export /gm, ''))).toEqual([]);
    expect(lowered).toMatch(/if \(size === void 0\)\s*size = 8;\s*this\.size = size;/);
    expect(lowered).toMatch(/if \(by === void 0\)\s*by = 2;/);
    expect(built.script).not.toMatch(/\(\s*\w+\s*,\s*\w+\s*=\s*\w+\s*\)\s*\{/);
  });

  it('writes top-level constants where they are used, except where a local name shadows them', () => {
    const constants = new Map<string, string | number | boolean>([
      ['KEEP_S', 30],
      ['ROOT', 'pw/v1'],
    ]);
    const out = transpileForEspruino(
      [
        'export const KEEP_S = 30;',
        "export const ROOT = 'pw/v1';",
        'export function up(n: string) { return ROOT + "/" + n + KEEP_S * 2; }',
        'export function local(KEEP_S: number) { return { KEEP_S: KEEP_S, x: o.ROOT }; }',
      ].join('\n'),
      'c.ts',
      constants,
    );
    // ROOT is written in; KEEP_S is declared again in this file (a parameter): left alone here,
    // as are property names
    expect(out).toContain('return "pw/v1" + "/" + n + KEEP_S * 2;');
    expect(out).toContain('return { KEEP_S: KEEP_S, x: o.ROOT };');
    expect(transpileForEspruino('const A = KEEP_S * 2;\nf(KEEP_S, A);', 'd.ts', constants)).toContain('f(30, A);');
    expect(built.script).not.toMatch(/var \w+=(\d+|"[^"]*")[,;]/);
  });

  it('runs at global scope without replacing any Espruino global', () => {
    expect(globalCollisions(built.script)).toEqual([]);
    expect(globalCollisions('var D2=1,a=2;function E(){}class LED1{}let setTimeout=0;')).toEqual([
      'D2',
      'E',
      'LED1',
      'setTimeout',
    ]);
  });

  it('carries its own hash: sha256 of the script with the hash slot zeroed', () => {
    expect(embeddedHash(built.script)).toBe(built.hash);
    expect(firmwareHash(built.script)).toBe(built.hash);
    const zeroed = built.script.replace(built.hash, '0'.repeat(64));
    expect(createHash('sha256').update(zeroed, 'latin1').digest('hex')).toBe(built.hash);
  });

  it('runs from E.on("init") with only the declared Espruino globals and prints a signed hello', () => {
    const vm = new EspruinoVm(built.script);
    vm.files['pw.cfg'] = JSON.stringify(nodeConfig());
    vm.analog.D34 = 0.1;
    vm.analog.D35 = 0.6;
    vm.clock.advance(12_500);
    expect(vm.console).toEqual([]); // nothing happens before init
    vm.start();
    const frames: string[] = [];
    const dec = new FrameDecoder({ frame: (p) => frames.push(p), reject: () => {} });
    for (const l of vm.console) dec.push(l + '\r\n');
    expect(frames).toHaveLength(4);
    for (const f of frames) {
      expect(verifyBody(nodeSha256, KEY, unseal(f)!)).toBe(true);
      NodeMessage.parse(JSON.parse(f));
    }
    const hello = JSON.parse(frames[0]);
    expect(hello.d.fwh).toBe(built.hash);
    expect(hello.d.fw).toBe('0.1.0');
    expect(hello.up).toBe(12_500);
    expect(JSON.parse(frames[3]).d).toMatchObject({ mem: 2100, bat: 3960 }); // battery pin D35 reads 0.6 x 6600 mV
    expect(vm.files['pw.boot']).toBe('1');
    // the same frames went to the gateway on Serial2
    expect(vm.frames()).toEqual(frames);
  });

  it('the bundle runs a whole alarm day: alarm, hush by button, commands, clear, water leak, bad config, reboot', () => {
    const vm = new EspruinoVm(built.script);
    vm.files['pw.cfg'] = JSON.stringify(nodeConfig());
    vm.analog.D34 = analogOf(0);
    vm.analog.D35 = 0.6;
    vm.start();
    const msgs = () =>
      vm.frames().map((f) => {
        expect(verifyBody(nodeSha256, KEY, unseal(f)!)).toBe(true);
        return NodeMessage.parse(JSON.parse(f));
      });
    let cmdSeq = 0;
    const command = (kind: 'event_ack' | 'silence' | 'set_config' | 'reboot', d: { [k: string]: unknown }) => {
      cmdSeq++;
      vm.send(encodeFrame(seal(nodeSha256, KEY, { v: 1, node: 'n-101', boot: 1, seq: cmdSeq, kind, d })));
      return cmdSeq;
    };
    expect(msgs().map((m) => m.kind)).toEqual(['hello', 'telemetry', 'telemetry', 'heartbeat']);
    command('event_ack', { seqs: [1] });

    vm.analog.D34 = analogOf(400);
    vm.clock.advance(12_000);
    const alarm = msgs().find((m) => m.kind === 'alarm');
    expect(alarm).toMatchObject({ ch: 'smoke', d: { v: 400, th: 150, src: 'smoke' } });
    expect(vm.writes.filter(([, pin, v]) => pin === 'D25' && v === 1).length).toBeGreaterThanOrEqual(3);

    vm.setDigital('D0', 0); // button pressed, held past the watch's 50 ms debounce
    vm.clock.advance(100);
    vm.setDigital('D0', 1);
    vm.clock.advance(100);
    expect(msgs().find((m) => m.kind === 'hush')?.d).toMatchObject({ by: 'button' });
    const silence = command('silence', { s: 30 });
    expect(msgs().find((m) => m.kind === 'ack')?.d).toEqual({ cmd: silence, ok: true });

    vm.analog.D34 = analogOf(0);
    vm.clock.advance(5000);
    expect(msgs().some((m) => m.kind === 'clear' && m.ch === 'smoke')).toBe(true);

    vm.setDigital('D32', 0); // water probe wet
    vm.clock.advance(3500);
    expect(msgs().find((m) => m.kind === 'alarm' && m.ch === 'water')?.d).toMatchObject({ src: 'water' });

    const bad = command('set_config', { cfg: { id: 'n-101' } });
    expect(msgs().find((m) => m.kind === 'ack')?.d).toEqual({
      cmd: bad,
      ok: false,
      err: 'config.key: bad or missing text',
    });
    const reboot = command('reboot', {});
    expect(msgs().find((m) => m.kind === 'ack')?.d).toEqual({ cmd: reboot, ok: true });
    vm.clock.advance(3000);
    expect(vm.reboots).toBe(1);
    expect(vm.files['pw.rst']).toBe('software');

    // the heartbeat goes on with the mangled code too
    vm.clock.advance(30_000);
    expect(msgs().find((m) => m.kind === 'heartbeat')?.d).toEqual({ bat: 3960, rssi: 0, mem: 2100, ivl: 30 });
  });
});
