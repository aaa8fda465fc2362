/**
 * Estimates the RAM (Espruino JsVars) a configured node keeps alive in steady state: boots a node
 * on the test board (smoke + water + battery + tamper, MQTT config), runs it for an hour of virtual
 * time with an alarm, a hush and their clearing, then walks every object reachable from it and
 * counts JsVars with Espruino's storage rules (approximate, documented in docs/firmware.md):
 *
 * - an object, array or function: 1 var (+1 for a class instance's prototype link)
 * - each property or element: 1 name var; names longer than 4 chars need ceil((n - 4) / 12) more
 * - integers and booleans are packed into the name var; a float needs 1 more
 * - a string value: 1 var per 12 characters (at least 1)
 * - names of class members the build shortens count as short: the build shortens them
 * - a function's code runs from flash (.bootcde), but each function has hidden children for its
 *   code and scope (3 vars) and one var per parameter name
 * - the script's own functions that always exist (top-level functions, class methods) and its
 *   top-level variables: a function var + a name var each, from the built script
 *
 * Usage: npx tsx firmware/tools/ram-estimate.ts
 */
import { readFileSync } from 'node:fs';
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import { analogOf } from '../../tests/firmware/support/channel-run.ts';
import { EspruinoVm } from '../../tests/firmware/support/espruino-vm.ts';
import { FW, nodeConfig } from '../../tests/firmware/support/node-harness.ts';
import { firmwareSources, OUT_FILE } from '../build.ts';
import { bootNode } from '../node/boot.ts';
import { classOnlyNames } from '../toolchain/class-names.ts';

// biome-ignore lint/suspicious/noExplicitAny: acorn's ESTree nodes are loosely typed
type AstNode = any;

const NAME_INLINE = 4;
/**
 * Every function also has a hidden "\xFFcod" child pointing at its code (a flash string: 2 vars)
 * and, unless it was made at global scope, a "\xFFsco" child pointing at its scope. The script's
 * top-level functions and class methods are made at global scope.
 */
const FUNCTION_EXTRA = 2;
const SCOPE_LINK = 1;
/** A closure made at run time keeps the locals of the call that made it (a guess: ~3 of them). */
const CLOSURE_SCOPE = 4;
const BLOCK = 12;

/** Class member names the build shortens (firmware/toolchain/class-names.ts). */
const MANGLED = new Set(classOnlyNames(firmwareSources()));

function nameVars(name: string): number {
  if (MANGLED.has(name)) return 1;
  return 1 + (name.length > NAME_INLINE ? Math.ceil((name.length - NAME_INLINE) / BLOCK) : 0);
}

function valueVars(v: unknown, seen: Set<object>, parts: Map<string, number>, path: string): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 0;
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 0 : 1;
  if (typeof v === 'string') return Math.max(1, Math.ceil(v.length / BLOCK));
  if (typeof v === 'function') {
    if (seen.has(v)) return 0;
    seen.add(v);
    return 1 + FUNCTION_EXTRA + SCOPE_LINK + CLOSURE_SCOPE; // a closure: function, code, scope link, the scope it keeps
  }
  if (typeof v !== 'object') return 0;
  if (seen.has(v)) return 0;
  seen.add(v);
  let n = 1;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) n++;
  for (const key of Object.keys(v)) {
    const child = (v as { [k: string]: unknown })[key];
    const sub = valueVars(child, seen, parts, path + '.' + key);
    n += (Array.isArray(v) ? 1 : nameVars(key)) + sub;
  }
  parts.set(path, (parts.get(path) ?? 0) + n);
  return n;
}

/** JsVars of a constant array, object, string or regexp literal in the script (its value, not its name). */
function literalVars(n: AstNode): number {
  if (!n) return 0;
  if (n.type === 'Literal') {
    if (n.regex) return 2 + Math.ceil(n.regex.pattern.length / BLOCK);
    if (typeof n.value === 'string') return Math.max(1, Math.ceil(n.value.length / BLOCK));
    return typeof n.value === 'number' && !Number.isInteger(n.value) ? 1 : 0;
  }
  if (n.type === 'ArrayExpression') {
    return 1 + n.elements.reduce((sum: number, e: AstNode) => sum + 1 + literalVars(e), 0);
  }
  if (n.type === 'ObjectExpression') {
    return (
      1 +
      n.properties.reduce(
        (sum: number, p: AstNode) => sum + nameVars(p.key?.name ?? p.key?.value ?? '') + literalVars(p.value),
        0,
      )
    );
  }
  return 0;
}

const cfg = nodeConfig({
  link: { kind: 'mqtt', ssid: 'park-iot', pass: 'secret-pass', host: '192.168.10.2' },
  tamper: {},
});

// The node runs on the real EspruinoBoard, its globals played by EspruinoVm on a virtual clock, so
// the I/O objects and closures counted are the ones a board would hold. Wi-Fi and TCP are not
// reachable here: the link is counted as it is before connecting.
const vm = new EspruinoVm();
const g = vm.globals as unknown as { [k: string]: unknown };
const saved: { [k: string]: unknown } = {};
for (const k of Object.keys(g))
  if (k !== 'process' && k !== 'console') saved[k] = (globalThis as { [k: string]: unknown })[k];
Object.assign(globalThis, Object.fromEntries(Object.entries(g).filter(([k]) => k !== 'process' && k !== 'console')));
const realRequire = g['require'] as (name: string) => unknown;
(globalThis as { [k: string]: unknown })['require'] = (name: string) =>
  name === 'Wifi' ? { connect: () => {}, on: () => {}, getDetails: () => {} } : realRequire(name);
const memory = (process as unknown as { memory?: unknown }).memory;
(process as unknown as { memory: () => { free: number } }).memory = () => ({ free: 2100 });
const log = console.log;
console.log = () => {};
const { EspruinoBoard } = await import('../espruino/board.ts');
vm.files['pw.cfg'] = JSON.stringify(cfg);
vm.analog['D34'] = analogOf(0);
vm.analog['D35'] = 0.6;
const board = new EspruinoBoard();
const booted = bootNode(board, FW);
vm.clock.advance(600_000);
vm.analog['D34'] = analogOf(400);
vm.clock.advance(20_000);
vm.setDigital('D0', 0);
vm.setDigital('D0', 1);
vm.clock.advance(60_000);
vm.analog['D34'] = analogOf(0);
vm.clock.advance(3_000_000);
console.log = log;
Object.assign(globalThis, saved);
(process as unknown as { memory: unknown }).memory = memory;

// The gateway acknowledges events in steady state; a full ring (gateway away) is reported apart.
const ring = booted.messenger!.ring;
const pending = ring.due(Number.MAX_SAFE_INTEGER);
const perEvent = pending.length > 0 ? valueVars(pending, new Set(), new Map(), 'ring') / pending.length : 0;
ring.ack(pending.map((e) => e.seq));

const seen = new Set<object>();
const parts = new Map<string, number>();
const boardVars = valueVars(board, seen, parts, 'board');
const node = valueVars(booted.node, seen, parts, 'node');
// Espruino timer and watch entries: an object with the callback, time/interval or pin and options
const timers = (vm.clock.pending + vm.watches.length) * 4;
// Functions and top-level names of the built script itself (needs `parkwatch firmware build` first):
// every class method and every top-level name lives as long as the node.
let script = 0;
let scriptNote = 'build the script first: npx parkwatch firmware build';
try {
  const ast: AstNode = parse(readFileSync(OUT_FILE, 'latin1'), { ecmaVersion: 2020 });
  const outer = ast.body as AstNode[];
  let names = 0;
  let literals = 0;
  let functions = 0;
  let params = 0;
  const fn = (f: AstNode) => {
    functions++;
    params += f.params.length;
  };
  for (const st of outer) {
    if (st.type === 'FunctionDeclaration') {
      names++;
      fn(st);
    } else if (st.type === 'VariableDeclaration') {
      for (const d of st.declarations as AstNode[]) {
        names++;
        literals += literalVars(d.init);
        const t = d.init?.type;
        if (t === 'FunctionExpression' || t === 'ArrowFunctionExpression') fn(d.init);
        if (t === 'ClassExpression') functions++; // its constructor; methods are counted below
      }
    } else names++;
  }
  let methods = 0;
  let methodNames = 0;
  simple(ast, {
    MethodDefinition: (m) => {
      const def = m as AstNode;
      methods++;
      methodNames += nameVars(def.key.name ?? '');
      fn(def.value);
    },
  });
  // a name: name var + value var; every function: its hidden code and scope children, its parameter names
  script = names * 2 + literals + methodNames + methods + functions * FUNCTION_EXTRA + params;
  scriptNote = `${names} top-level names, ${literals} vars of constants, ${methods} methods (${methodNames} name vars), ${functions} functions, ${params} parameters`;
} catch (_e) {
  // the estimate without the script's own names is still useful
}
const total = script + boardVars + node + timers;

console.log('固件内存估算 / firmware RAM estimate (JsVars, steady state after 1 h with an alarm and a hush)');
console.log(`  script functions and names (${scriptNote}): ${script}`);
console.log(`  board (EspruinoBoard, pin map): ${boardVars}`);
console.log(`  node: ${node}, of which`);
console.log(`    messenger and event ring (empty: the gateway acknowledged): ${parts.get('node.msg') ?? 0}`);
console.log(`      MQTT link (4-slot window): ${parts.get('node.msg.link') ?? 0}`);
console.log(`    channels: ${parts.get('node.channels') ?? 0}; validated config: ${parts.get('node.cfg') ?? 0}`);
console.log(`  timers and pin watches (${vm.clock.pending} + ${vm.watches.length}): ${timers}`);
console.log(`  total: ${total} of the 1200 budget`);
console.log(`  gateway away, ring full (8 events of ~${Math.round(perEvent)}): +${Math.round(8 * perEvent)}`);
