import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildFirmware, SIZE_BUDGET } from '../../firmware/build.ts';
import type { EspruinoGlobals } from '../../firmware/espruino/globals.d.ts';
import { embeddedHash, firmwareHash } from '../../firmware/fw-hash.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { unseal, verifyBody } from '../../protocol/envelope.ts';
import { FrameDecoder } from '../../protocol/framing.ts';
import { KEY, nodeConfig } from './support/node-harness.ts';
import { nodeSha256 } from './support/test-board.ts';

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

  it('lowers the default parameter of protocol/framing.ts and keeps no class-field syntax', () => {
    expect(built.script).not.toMatch(/\(\s*\w+\s*,\s*\w+\s*=\s*\w+\s*\)\s*\{/);
    expect(built.script).toMatch(/===void 0&&\(\w+=\w+\)/);
  });

  it('carries its own hash: sha256 of the script with the hash slot zeroed', () => {
    expect(embeddedHash(built.script)).toBe(built.hash);
    expect(firmwareHash(built.script)).toBe(built.hash);
    const zeroed = built.script.replace(built.hash, '0'.repeat(64));
    expect(createHash('sha256').update(zeroed, 'latin1').digest('hex')).toBe(built.hash);
  });

  it('runs from E.on("init") with only the declared Espruino globals and prints a signed hello', () => {
    const files: { [name: string]: string } = { 'pw.cfg': JSON.stringify(nodeConfig()) };
    const lines: string[] = [];
    let init: (() => void) | undefined;
    const noop = () => {};
    const serial = { setup: noop, on: noop, removeAllListeners: noop, write: (d: string) => lines.push('UART ' + d) };
    const globals: EspruinoGlobals = {
      E: {
        on: (_e, fn) => {
          init = fn;
        },
        enableWatchdog: noop,
        kickWatchdog: noop,
        reboot: noop,
        toString: (ab) => Buffer.from(ab).toString('latin1'),
      },
      require: ((name: string) => {
        if (name === 'Storage') {
          return {
            read: (n: string) => files[n],
            write: (n: string, d: string) => {
              files[n] = d;
              return true;
            },
            erase: noop,
          };
        }
        if (name === 'crypto') {
          return { SHA256: (s: string) => new Uint8Array(Buffer.from(nodeSha256(s), 'latin1')).buffer };
        }
        throw new Error('unexpected require ' + name);
      }) as EspruinoGlobals['require'],
      analogRead: (pin) => (pin === 'D34' ? 0.1 : 0.6),
      digitalRead: () => 1,
      digitalWrite: noop,
      pinMode: noop,
      setWatch: () => 1,
      clearWatch: noop,
      setTimeout: () => 1,
      setInterval: () => 1,
      clearTimeout: noop,
      clearInterval: noop,
      getTime: () => 12.5,
      process: { memory: () => ({ free: 2100, usage: 900, total: 3000 }) },
      console: { log: (t: string) => lines.push(t) },
      Serial1: serial,
      Serial2: serial,
      Serial3: serial,
    };
    runInNewContext(built.script, { ...globals });
    expect(init).toBeDefined();
    expect(lines).toEqual([]); // nothing happens before init
    init?.();
    const frames: string[] = [];
    const dec = new FrameDecoder({ frame: (p) => frames.push(p), reject: () => {} });
    for (const l of lines.filter((x) => !x.startsWith('UART '))) dec.push(l + '\r\n');
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
    expect(files['pw.boot']).toBe('1');
    // the same frames went to the gateway on Serial2
    expect(lines.filter((x) => x.startsWith('UART ')).length).toBe(4);
  });
});
