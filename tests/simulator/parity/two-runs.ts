import { SerialPort } from 'serialport';
import { configText, type NodeConfigInput } from '../../../firmware/node-config-schema.ts';
import { encodeFrame, FrameDecoder } from '../../../protocol/framing.ts';
import { CapturedUart } from '../../../simulator/board/links.ts';
import type { PinFeeds } from '../../../simulator/board/pins.ts';
import { VirtualBoard } from '../../../simulator/board/virtual-board.ts';
import { startPtyPair } from '../../../simulator/live/pty-pair.ts';
import { WireTap } from '../../../simulator/node/wire-tap.ts';
import { VirtualClock } from '../../../simulator/virtual-clock.ts';
import { Interpreter } from '../../espruino/harness/interpreter.ts';

/**
 * One node, one script of input changes, run twice: in the simulator (VirtualBoard on a virtual
 * clock) and in the real Espruino interpreter (real time, Serial2 on a socat PTY). Both far ends
 * verify every frame and acknowledge it as the gateway does; each run gives what the node sent.
 */
export interface ParityScenario {
  name: string;
  config: NodeConfigInput;
  /** levels at power-on: analog 0..1 by pin, digital 0|1 by pin */
  analog: Record<string, number>;
  digital: Record<string, 0 | 1>;
  /** input changes, ms after the hello */
  steps: { atMs: number; analog?: [string, number]; digital?: [string, 0 | 1] }[];
  durationMs: number;
}

/** A message as the comparison sees it: `t` is the event's node time since the hello's. */
export interface Sent {
  t: number;
  kind: string;
  ch: string;
  d: Record<string, unknown>;
}

function levelAt(s: ParityScenario, pin: string, analog: boolean, tMs: number): number {
  let v = analog ? s.analog[pin] : s.digital[pin];
  for (const st of s.steps) {
    const change = analog ? st.analog : st.digital;
    if (st.atMs <= tMs && change?.[0] === pin) v = change[1];
  }
  return v ?? (analog ? 0 : 1);
}

/** Fresh messages by event time, relative to the hello's. */
function relative(messages: { at: number; kind: string; ch: string; d: Record<string, unknown> }[]): Sent[] {
  const hello = messages.find((m) => m.kind === 'hello');
  const t0 = hello ? hello.at : 0;
  return messages.map((m) => ({ t: m.at - t0, kind: m.kind, ch: m.ch, d: m.d }));
}

export function runInSimulator(s: ParityScenario, script: string): Sent[] {
  const clock = new VirtualClock(0);
  const tap = new WireTap(() => s.config.key);
  const got: { at: number; kind: string; ch: string; d: Record<string, unknown> }[] = [];
  let uart: CapturedUart | undefined;
  const decoder = new FrameDecoder({
    frame: (payload) => {
      const r = tap.read(payload, clock.now(), 'serial');
      if (!r.ok) throw new Error(`simulator: ${r.reason} ${r.detail}`);
      const m = r.observed.message;
      if (!r.observed.duplicate) got.push({ at: m.up - m.age, kind: m.kind, ch: m.ch, d: m.d });
      const ack = tap.ackFor(m);
      if (ack) uart?.push(encodeFrame(ack));
    },
    reject: () => {},
  });
  uart = new CapturedUart((data) => decoder.push(data));
  const feeds: PinFeeds = { analog: {}, digital: {} };
  for (const pin of Object.keys(s.analog)) feeds.analog[pin] = (t) => levelAt(s, pin, true, t);
  for (const pin of Object.keys(s.digital)) {
    const edgesMs = s.steps.filter((st) => st.digital?.[0] === pin).map((st) => st.atMs);
    feeds.digital[pin] = { level: (t) => levelAt(s, pin, false, t), edgesMs };
  }
  const board = new VirtualBoard({
    name: s.name,
    script: VirtualBoard.compile(script, 'parkwatch-node.js'),
    clock,
    feeds,
    storage: new Map([['pw.cfg', configText(s.config)]]),
    uarts: { Serial2: uart },
  });
  board.powerOn();
  clock.runUntil(s.durationMs);
  if (board.errors.length > 0) throw new Error(`simulator: ${board.errors.map((e) => e.message).join('; ')}`);
  return relative(got);
}

export async function runInEspruino(s: ParityScenario, script: string): Promise<Sent[]> {
  const pty = await startPtyPair();
  const port = await new Promise<SerialPort>((resolve, reject) => {
    const p = new SerialPort({ path: pty.gatewayPath, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(p)));
  });
  const tap = new WireTap(() => s.config.key);
  const got: { at: number; kind: string; ch: string; d: Record<string, unknown> }[] = [];
  const problems: string[] = [];
  let helloAt: number | undefined;
  const decoder = new FrameDecoder({
    frame: (payload) => {
      const r = tap.read(payload, Date.now(), 'serial');
      if (!r.ok) {
        problems.push(`${r.reason} ${r.detail}`);
        return;
      }
      const m = r.observed.message;
      // the interpreter's getTime() is the wall clock: the hello's node time is on Date.now()'s scale
      if (m.kind === 'hello') helloAt ??= m.up - m.age;
      if (!r.observed.duplicate) got.push({ at: m.up - m.age, kind: m.kind, ch: m.ch, d: m.d });
      const ack = tap.ackFor(m);
      if (ack) port.write(Buffer.from(encodeFrame(ack), 'latin1'));
    },
    reject: () => {},
  });
  port.on('data', (b: Buffer) => decoder.push(b.toString('latin1')));
  const inputs = [
    ...Object.entries(s.analog).map(([pin, v]) => `PW.a.${pin} = ${v};`),
    ...Object.entries(s.digital).map(([pin, v]) => `PW.d.${pin} = ${v};`),
  ];
  const esp = await Interpreter.start({
    script,
    config: configText(s.config),
    uarts: { Serial2: pty.nodePath },
    preludeExtra: `${inputs.join('\n')}\n`,
  });
  try {
    const start = Date.now();
    while (helloAt === undefined) {
      if (Date.now() - start > 20_000) throw new Error(`no hello from the interpreter:\n${esp.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = helloAt;
    const typed = s.steps.map(
      (st) =>
        new Promise<void>((resolve) =>
          setTimeout(
            () => {
              if (st.analog) esp.type(`PW.a.${st.analog[0]} = ${st.analog[1]}`);
              if (st.digital) esp.type(`PW.set(${JSON.stringify(st.digital[0])}, ${st.digital[1]})`);
              resolve();
            },
            Math.max(0, t0 + st.atMs - Date.now()),
          ),
        ),
    );
    await Promise.all(typed);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + s.durationMs - Date.now())));
    if (/Uncaught/.test(esp.output())) throw new Error(`interpreter: ${esp.output().slice(-2000)}`);
    if (problems.length > 0) throw new Error(`interpreter frames refused: ${problems.join('; ')}`);
    return relative(got);
  } finally {
    await esp.dispose();
    await new Promise((r) => port.close(() => r(undefined)));
    await pty.stop();
  }
}
