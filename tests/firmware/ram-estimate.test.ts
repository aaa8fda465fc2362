import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { firmwareSources } from '../../firmware/build.ts';
import { countScript, setupHeldOutsideCalls, sourceClasses } from '../../firmware/tools/ram-model.ts';
import { LiveWalk } from '../../firmware/tools/ram-walk.ts';

// The RAM estimate's parts are pinned here, so it cannot silently stop counting something.

describe('RAM model: the script itself', () => {
  it('counts top-level functions, classes with their methods and constants, not functions inside functions', () => {
    const none = new Set<string>();
    // f: name + function + code (2) + 2 parameters = 6
    expect(countScript('function f(a,b){}', undefined, none).total).toBe(6);
    // g: 1 + 3; h exists only while g runs: 0
    expect(countScript('function g(){function h(a,b,c){}}', undefined, none).total).toBe(4);
    // name 1 + constructor (1 + 2 + 1 parameter) + prototype (5) + method m (name 1 + 1 + 2 + 1 parameter)
    expect(countScript('var C=class{constructor(x){}m(a){}}', undefined, none).total).toBe(1 + 4 + 5 + 5);
    // a table: name 1 + array 1 + 3 elements (small integers packed into them)
    expect(countScript('var T=[1,2,3]', undefined, none).total).toBe(5);
    // functions in a top-level object are made with it: name 1 + object 1 + key 1 + function 3 + parameter 1
    expect(countScript('var O={now:a=>a}', undefined, none).total).toBe(7);
  });
});

describe('RAM model: live objects', () => {
  // a class made at run time by a factory, like the links' classes
  function codecClass() {
    class Codec {
      private buf = '';
      constructor(private onPacket: (p: string) => void) {}
      push(data: string): void {
        this.buf += data;
        this.onPacket(this.buf);
      }
      reset(): void {
        this.buf = '';
      }
    }
    return Codec;
  }
  const classes = {
    topLevel: new Set<string>(),
    made: new Map([['Codec', { factory: 'codecClass', params: 0 }]]),
  };

  it('counts an object held alive: its properties, long names, floats and strings', () => {
    const w = new LiveWalk(classes, new Set());
    // object 1; "a" 1 + array 1 + 2 elements; "longerName" 1 + 1 more block + 30 chars in 3 blocks; "f" 1 + float 1
    expect(w.count({ a: [1, 2], longerName: 'x'.repeat(30), f: 0.5 }, 'x')).toBe(1 + 4 + 5 + 2);
  });

  it('counts a class made by a factory once, from its live instances, with scope links; not twice', () => {
    const C = codecClass();
    const one = new LiveWalk(classes, new Set()).count([new C(() => {})], 'x');
    const walk = new LiveWalk(classes, new Set());
    const two = walk.count([new C(() => {}), new C(() => {})], 'x');
    expect(walk.made.map((m) => m.name)).toEqual(['Codec']);
    const cls = walk.made[0].vars;
    // each instance: object, prototype link, "buf" + "", "onPacket" (2 name vars) + a closure (3 + 1 scope link + 4 kept locals)
    const instance = 1 + 1 + 2 + 2 + 8;
    expect(one).toBe(1 + 1 + instance + cls);
    expect(two).toBe(1 + 2 + 2 * instance + cls);
    // constructor 1 + code 2 + 1 parameter + scope link 1, prototype 5; push: name 1 + 3 + 1 + 1; reset: name 2 + 3 + 1;
    // the factory call's scope: its var and the class's name
    expect(cls).toBe(5 + 5 + 6 + 6 + 2);
  });

  it('counts a built-in function kept as a value as one var, not as a closure', () => {
    const builtIn = (_fn: () => void, _ms: number) => 0;
    const walk = new LiveWalk(classes, new Set());
    walk.native([builtIn]);
    // object 1; "st" 1 + the built-in 1; "fn" 1 + a closure of 2 parameters (3 + 2 + 1 scope link + 4 kept locals)
    expect(walk.count({ st: builtIn, fn: (_a: number, _b: number) => 0 }, 'x')).toBe(1 + 2 + 1 + 10);
  });

  it('refuses a class it cannot place and a factory that keeps more than its class', () => {
    class Stray {}
    expect(() => new LiveWalk(classes, new Set()).count(new Stray(), 'x')).toThrow(/neither top-level nor made/);
    const dir = mkdtempSync(join(tmpdir(), 'pw-ram-'));
    const file = join(dir, 'f.ts');
    writeFileSync(
      file,
      'export function f() { const helper = () => 1; class K { m() { return helper(); } } return K; }\n',
    );
    expect(() => sourceClasses([file])).toThrow(/keeps more than class K/);
  });
});

describe("RAM model: the board's boot-only parts", () => {
  it('are used inline or deleted in the firmware, never held where a closure could keep them', () => {
    expect(setupHeldOutsideCalls(firmwareSources())).toEqual([]);
  });

  it('finds a setup held in a local or a parameter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-ram-'));
    const file = join(dir, 'f.ts');
    writeFileSync(
      file,
      [
        'function a(board: Board) { const s = board.setup!; s.wifi(); }',
        'function b(s: BoardSetup) { s.wifi(); }',
        'function c(board: Board) { board.setup!.wifi(); delete board.setup; port.setup(9600); }',
      ].join('\n'),
    );
    expect(setupHeldOutsideCalls([file])).toEqual(['f.ts:1: board.setup!', 'f.ts:2: s: BoardSetup']);
  });
});

interface Estimate {
  linkUp: boolean;
  made: { name: string }[];
  script: { total: number; modules: { [m: string]: number } };
  parts: { [path: string]: number };
  board: number;
  node: number;
  timers: number;
  total: number;
  budget: number;
}

describe('RAM estimate of a running node', () => {
  it('an MQTT node makes the MQTT client, a serial node the serial link and its frame decoder', () => {
    // its own process: the board module calls Espruino's require(), which vitest's module runner shadows
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'firmware/tools/ram-estimate.ts', '--json'], {
      encoding: 'utf8',
    });
    const [mqtt, serial] = JSON.parse(out) as Estimate[];
    expect(mqtt.linkUp).toBe(true);
    expect(serial.linkUp).toBe(true);
    expect(mqtt.made.map((m) => m.name).sort()).toEqual(['MqttLink']);
    expect(serial.made.map((m) => m.name).sort()).toEqual(['FrameDecoder', 'SerialLink']);
    // the links' classes are not top-level code: only their factories and constants are
    for (const m of ['mqtt-link.ts', 'serial-link.ts']) expect(mqtt.script.modules[m]).toBeLessThan(20);
    // the same script; the live parts differ by the link
    expect(mqtt.script.total).toBe(serial.script.total);
    for (const r of [mqtt, serial]) {
      expect(r.total).toBe(r.script.total + r.board + r.node + r.timers);
      // the command handler is held by the link as its listener, and counted there
      expect(r.parts['node.msg.link.events']).toBeGreaterThan(0);
      expect(r.parts['node.channels']).toBeGreaterThan(0);
      expect(r.timers).toBeGreaterThan(0);
      // the validator's helpers are not top-level code: config.ts adds only a few functions
      expect(r.script.modules['config.ts']).toBeLessThan(40);
    }
    expect(mqtt.total).toBeGreaterThan(serial.total);
    // the budget, by this model (deterministic: a virtual clock); code that grows a node past it fails here
    for (const r of [mqtt, serial]) {
      expect(r.budget).toBe(1200);
      expect(r.total).toBeLessThanOrEqual(r.budget);
    }
  });
});
