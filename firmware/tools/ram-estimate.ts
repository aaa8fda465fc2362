/**
 * Estimates the RAM (Espruino JsVars) a configured node keeps alive in steady state, for an MQTT
 * node and a serial node (smoke + water + battery + tamper): builds the script and counts its
 * top-level code (ram-model.ts), boots the node from the sources on the real EspruinoBoard with
 * Espruino's globals played on a virtual clock (tests/firmware/support/espruino-vm.ts; the MQTT
 * node's Wi-Fi and broker from ram-network.ts, so it runs connected), runs an hour with an alarm,
 * a hush and their clearing, and walks what the node keeps (ram-walk.ts).
 *
 * Usage: npx tsx firmware/tools/ram-estimate.ts [--json]
 */
import { analogOf } from '../../tests/firmware/support/channel-run.ts';
import { EspruinoVm } from '../../tests/firmware/support/espruino-vm.ts';
import { FW, nodeConfig } from '../../tests/firmware/support/node-harness.ts';
import { buildFirmware, firmwareSources } from '../build.ts';
import { bootNode } from '../node/boot.ts';
import { classOnlyNames } from '../toolchain/class-names.ts';
import { countScript, type ScriptCount, sourceClasses, TIMER_ENTRY } from './ram-model.ts';
import { brokerModules } from './ram-network.ts';
import { LiveWalk, type MadeClass } from './ram-walk.ts';

export const RAM_BUDGET = 1200;

export interface RamEstimate {
  link: 'mqtt' | 'serial';
  /** the link was up when counted (MQTT: session with the broker) */
  linkUp: boolean;
  script: ScriptCount;
  board: number;
  node: number;
  /** vars per path of the live walk, e.g. "node.msg.link" */
  parts: Map<string, number>;
  /** classes made at run time (counted in `node` or `board`) */
  made: MadeClass[];
  timers: number;
  timerCount: number;
  total: number;
  /** extra when the gateway is away and the event ring is full */
  ringFull: number;
}

type Globals = { [k: string]: unknown };

const sources = firmwareSources();
const short = new Set(classOnlyNames(sources));
const classes = sourceClasses(sources);
/** Every module that can be in the bundle, for the values its top level makes (counted with the script). */
const modules = sources.filter((f) => !f.endsWith('.d.ts'));

let script: ScriptCount | undefined;
/** The script a board gets, built in memory with its source map. */
async function scriptCount(): Promise<ScriptCount> {
  if (!script) {
    const b = await buildFirmware({ typecheck: false, sourcemap: true });
    script = countScript(b.script, b.map, short);
  }
  return script;
}

/**
 * Runs `fn` with Espruino's globals (EspruinoVm's, plus `require` of Wifi and net) in place of
 * the host's; synchronous, so nothing of the host (vitest's timers) runs in between.
 */
function withEspruinoGlobals<T>(vm: EspruinoVm, modules: { [name: string]: unknown }, fn: () => T): T {
  const g = vm.globals as unknown as Globals;
  const host = globalThis as unknown as Globals;
  const keys = Object.keys(g).filter((k) => k !== 'process' && k !== 'console');
  const saved: Globals = {};
  for (const k of keys) saved[k] = host[k];
  for (const k of keys) host[k] = g[k];
  const realRequire = g['require'] as (name: string) => unknown;
  host['require'] = (name: string) => (name in modules ? modules[name] : realRequire(name));
  const proc = process as unknown as Globals;
  const memory = proc['memory'];
  proc['memory'] = () => ({ free: 2100 });
  const log = console.log;
  console.log = () => {};
  try {
    return fn();
  } finally {
    console.log = log;
    for (const k of keys) host[k] = saved[k];
    proc['memory'] = memory;
  }
}

/** Boots a node with the given link on an EspruinoVm and counts what it holds after an hour. */
export async function estimateRam(link: 'mqtt' | 'serial'): Promise<RamEstimate> {
  const top = await scriptCount();
  const { EspruinoBoard } = await import('../espruino/board.ts');
  // values the modules make at load are counted with the script (main.ts only registers E.on('init'))
  const known: unknown[] = [];
  for (const f of modules) if (!f.endsWith('main.ts')) known.push(...Object.values(await import(f)));
  const cfg = nodeConfig({
    link:
      link === 'mqtt'
        ? { kind: 'mqtt', ssid: 'park-iot', pass: 'secret-pass', host: '192.168.10.2' }
        : { kind: 'serial', uart: 'Serial2', baud: 115200 },
    tamper: {},
  });
  const vm = new EspruinoVm();
  const network = brokerModules(vm.clock);
  vm.files['pw.cfg'] = JSON.stringify(cfg);
  vm.analog['D34'] = analogOf(0);
  vm.analog['D35'] = 0.6;
  const run = withEspruinoGlobals(vm, { Wifi: network.Wifi, net: network.net }, () => {
    const board = new EspruinoBoard();
    const booted = bootNode(board, FW);
    vm.clock.advance(600_000);
    vm.analog['D34'] = analogOf(400);
    vm.clock.advance(20_000);
    vm.setDigital('D0', 0); // the button, held past its debounce
    vm.clock.advance(100);
    vm.setDigital('D0', 1);
    vm.clock.advance(60_000);
    vm.analog['D34'] = analogOf(0);
    vm.clock.advance(3_000_000);
    return { board: board, booted: booted };
  });
  const booted = run.booted;
  const walk = new LiveWalk(classes, short);
  walk.known(known);
  // Espruino's built-in functions: the globals and the methods of built-in objects (E, Serial2)
  const g = vm.globals as unknown as Globals;
  for (const v of Object.values(g)) walk.native(typeof v === 'object' && v !== null ? Object.values(v) : [v]);
  // and its built-in objects (Serial2, E): the node holds them, they are not the node's
  walk.known(Object.values(g).filter((v) => typeof v === 'object'));
  // The gateway acknowledges events in steady state; a full ring (gateway away) is reported apart.
  const ring = booted.messenger!.ring;
  const pending = ring.due(Number.MAX_SAFE_INTEGER);
  const perEvent = pending.length > 0 ? new LiveWalk(classes, short).count(pending, 'ring') / pending.length : 0;
  ring.ack(pending.map((e) => e.seq));
  const boardVars = walk.count(run.board, 'board');
  const nodeVars = walk.count(booted.node, 'node');
  // Espruino's timer and watch lists, and the listeners its modules keep: entries and callbacks
  const clockTimers = (vm.clock as unknown as { timers: { fn: unknown }[] }).timers;
  const serialIn = (vm as unknown as { serial2In?: unknown }).serial2In;
  const callbacks = [...clockTimers.map((t) => t.fn), ...vm.watches.map((w) => w.fn)];
  if (serialIn) callbacks.push(serialIn);
  let timers = 0;
  for (const fn of callbacks) timers += TIMER_ENTRY + walk.count(fn, 'timers');
  // the Wifi module object with the node's listeners (an MQTT node only)
  if (link === 'mqtt') timers += walk.count(network.wifi, 'timers');
  return {
    link: link,
    linkUp: booted.link !== undefined && booted.link.up,
    script: top,
    board: boardVars,
    node: nodeVars,
    parts: walk.parts,
    made: walk.made,
    timers: timers,
    timerCount: callbacks.length,
    total: top.total + boardVars + nodeVars + timers,
    ringFull: Math.round(8 * perEvent),
  };
}

function print(r: RamEstimate): void {
  const s = r.script;
  const part = (p: string) => r.parts.get(p) ?? 0;
  console.log(`${r.link === 'mqtt' ? 'MQTT (Wi-Fi)' : '串口 / serial'} node, link ${r.linkUp ? 'up' : 'DOWN'}:`);
  console.log(
    `  script, top level: ${s.total} (${s.names} names, ${s.functions} functions, ${s.classes} classes with ${s.methods} methods, ${s.params} parameters, ${s.constants} constants)`,
  );
  const mods = [...s.modules.entries()].sort((a, b) => b[1] - a[1]);
  console.log('    by module: ' + mods.map(([m, v]) => `${m} ${v}`).join(', '));
  console.log(`  board (EspruinoBoard, pin map): ${r.board}`);
  console.log(`  node: ${r.node}, of which`);
  console.log(`    messenger and event ring (empty: the gateway acknowledged): ${part('node.msg')}`);
  console.log(`      link: ${part('node.msg.link')}`);
  console.log(`    channels: ${part('node.channels')}; validated config kept: ${part('node.cfg')}`);
  if (r.made.length > 0) {
    console.log('    classes made at run time: ' + r.made.map((m) => `${m.name} (${m.factory}) ${m.vars}`).join(', '));
  }
  console.log(`  timers, pin watches and listeners (${r.timerCount}) with their callbacks: ${r.timers}`);
  console.log(`  total: ${r.total} of the ${RAM_BUDGET} budget`);
  console.log(`  gateway away, ring full (8 events): +${r.ringFull}`);
}

/** JSON of an estimate (maps as objects), for `--json`. */
export function estimateJson(r: RamEstimate): unknown {
  return {
    ...r,
    budget: RAM_BUDGET,
    parts: Object.fromEntries(r.parts),
    script: { ...r.script, modules: Object.fromEntries(r.script.modules) },
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const mqtt = await estimateRam('mqtt');
  const serial = await estimateRam('serial');
  if (process.argv.includes('--json')) console.log(JSON.stringify([estimateJson(mqtt), estimateJson(serial)]));
  else {
    console.log('固件内存估算 / firmware RAM estimate (JsVars, steady state after 1 h with an alarm and a hush)');
    print(mqtt);
    print(serial);
  }
}
