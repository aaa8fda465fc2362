/**
 * Estimates the RAM (Espruino JsVars) a configured node keeps alive in steady state, for an MQTT
 * node and a serial node (smoke + water + battery + tamper): builds the script and counts its
 * top-level code (ram-model.ts), boots the node from the sources on the real EspruinoBoard with
 * Espruino's globals played on a virtual clock (tests/firmware/support/espruino-vm.ts), runs an
 * hour with an alarm, a hush and their clearing, and walks what the node keeps (ram-walk.ts).
 *
 * Usage: npx tsx firmware/tools/ram-estimate.ts
 */
import { analogOf } from '../../tests/firmware/support/channel-run.ts';
import { EspruinoVm } from '../../tests/firmware/support/espruino-vm.ts';
import { FW, nodeConfig } from '../../tests/firmware/support/node-harness.ts';
import { buildFirmware, firmwareSources } from '../build.ts';
import { bootNode } from '../node/boot.ts';
import { classOnlyNames } from '../toolchain/class-names.ts';
import { countScript, type ScriptCount, sourceClasses, TIMER_ENTRY } from './ram-model.ts';
import { LiveWalk, type MadeClass } from './ram-walk.ts';

export const RAM_BUDGET = 1200;

export interface RamEstimate {
  link: 'mqtt' | 'serial';
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
/** Every module of the bundle, for the values its top level makes (counted with the script). */
const modules = sources.filter((f) => !f.endsWith('.d.ts'));

let built: { script: ScriptCount } | undefined;
async function scriptCount(): Promise<ScriptCount> {
  if (!built) {
    const b = await buildFirmware({ typecheck: false, sourcemap: true });
    built = { script: countScriptOf(b.script, b.map) };
  }
  return built.script;
}
function countScriptOf(script: string, map: string | undefined): ScriptCount {
  return countScript(script, map, short);
}

/** Boots a node with the given link on an EspruinoVm and counts what it holds after an hour. */
export async function estimateRam(link: 'mqtt' | 'serial'): Promise<RamEstimate> {
  const script = await scriptCount();
  const cfg = nodeConfig({
    link:
      link === 'mqtt'
        ? { kind: 'mqtt', ssid: 'park-iot', pass: 'secret-pass', host: '192.168.10.2' }
        : { kind: 'serial', uart: 'Serial2', baud: 115200 },
    tamper: {},
  });
  // Espruino's globals for the sources: the board module reads them when it runs.
  const vm = new EspruinoVm();
  const g = vm.globals as unknown as Globals;
  const host = globalThis as unknown as Globals;
  const saved: Globals = {};
  const wifiListeners: unknown[] = [];
  for (const k of Object.keys(g)) if (k !== 'process' && k !== 'console') saved[k] = host[k];
  for (const k of Object.keys(g)) if (k !== 'process' && k !== 'console') host[k] = g[k];
  const realRequire = g['require'] as (name: string) => unknown;
  host['require'] = (name: string) =>
    name === 'Wifi'
      ? { connect: () => {}, on: (_e: string, fn: unknown) => wifiListeners.push(fn), getDetails: () => {} }
      : realRequire(name);
  const proc = process as unknown as Globals;
  const memory = proc['memory'];
  proc['memory'] = () => ({ free: 2100 });
  const log = console.log;
  console.log = () => {};
  let walk: LiveWalk;
  let boardVars = 0;
  let nodeVars = 0;
  let timers = 0;
  let timerCount = 0;
  let perEvent = 0;
  try {
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

    walk = new LiveWalk(classes, short);
    for (const f of modules) walk.known(Object.values(await import(f)));
    // The gateway acknowledges events in steady state; a full ring (gateway away) is reported apart.
    const ring = booted.messenger!.ring;
    const pending = ring.due(Number.MAX_SAFE_INTEGER);
    if (pending.length > 0) perEvent = new LiveWalk(classes, short).count(pending, 'ring') / pending.length;
    ring.ack(pending.map((e) => e.seq));
    boardVars = walk.count(board, 'board');
    nodeVars = walk.count(booted.node, 'node');
    // Espruino's timer and watch lists, and the listeners its modules keep: entries and callbacks
    const clockTimers = (vm.clock as unknown as { timers: { fn: unknown }[] }).timers;
    const serialIn = (vm as unknown as { serial2In?: unknown }).serial2In;
    const callbacks = [...clockTimers.map((t) => t.fn), ...vm.watches.map((w) => w.fn), ...wifiListeners];
    if (serialIn) callbacks.push(serialIn);
    timerCount = callbacks.length;
    for (const fn of callbacks) timers += TIMER_ENTRY + walk.count(fn, 'timers');
  } finally {
    console.log = log;
    for (const k of Object.keys(saved)) host[k] = saved[k];
    proc['memory'] = memory;
  }
  return {
    link: link,
    script: script,
    board: boardVars,
    node: nodeVars,
    parts: walk.parts,
    made: walk.made,
    timers: timers,
    timerCount: timerCount,
    total: script.total + boardVars + nodeVars + timers,
    ringFull: Math.round(8 * perEvent),
  };
}

function print(r: RamEstimate): void {
  const s = r.script;
  const part = (p: string) => r.parts.get(p) ?? 0;
  console.log(`${r.link === 'mqtt' ? 'MQTT (Wi-Fi)' : '串口 / serial'} node:`);
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

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  console.log('固件内存估算 / firmware RAM estimate (JsVars, steady state after 1 h with an alarm and a hush)');
  print(await estimateRam('mqtt'));
  print(await estimateRam('serial'));
}
