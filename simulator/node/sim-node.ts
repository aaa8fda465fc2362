import {
  configText,
  type NodeConfig,
  type NodeConfigInput,
  NodeConfigSchema,
} from '../../firmware/node-config-schema.ts';
import type { WifiControl } from '../board/espruino-env.ts';
import type { NetProvider, UartEnd } from '../board/links.ts';
import { type DigitalFeed, type PinFeeds, stepFeed } from '../board/pins.ts';
import { VirtualBoard } from '../board/virtual-board.ts';
import type { FirmwareScript } from '../firmware-script.ts';
import { valueAt } from '../traces/trace.ts';
import type { VirtualClock } from '../virtual-clock.ts';
import type { ResolvedInput } from './inputs.ts';

/**
 * One simulated sensor node: a VirtualBoard running the firmware with the node's config in its
 * Storage, its analog and contact inputs fed from traces through the node's own front-end
 * calibration (a = zero + units / gain; the trace is the sensor's reading, so a falling sensor
 * such as an ultrasonic distance gets a falling trace), plus the faults a scenario can put on a sensor:
 * stuck at its current reading, open circuit (ADC 0), short circuit (ADC 1).
 */
export interface SimNodeOptions {
  config: NodeConfigInput;
  /** by channel name */
  inputs: Record<string, ResolvedInput>;
  fw: FirmwareScript;
  clock: VirtualClock;
  net?: NetProvider;
  uart?: UartEnd;
  wifi?: WifiControl;
  onConsole?: (line: string, tMs: number) => void;
  /** times (ms) at which someone presses the node's test/hush button for PRESS_MS */
  buttonPressesMs?: number[];
  /**
   * the board's flash (e.g. a FolderStorage, so the boot counter survives the run as on a board);
   * in memory by default. The node's config is written into it.
   */
  storage?: Map<string, string>;
}

/** How long a finger stays on the button. */
export const PRESS_MS = 200;

/** ADC level of a healthy battery divider (6600 mV full scale: about 3.96 V). */
const BATTERY_ADC = 0.6;

export class SimNode {
  readonly id: string;
  readonly key: string;
  readonly config: NodeConfig;
  readonly board: VirtualBoard;
  private stuckAt = new Map<string, number>();
  private wiring = new Map<string, 'open' | 'short'>();

  constructor(private o: SimNodeOptions) {
    const parsed = NodeConfigSchema.safeParse(o.config);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new Error(`node config: ${i?.path.join('.') || 'config'}: ${i?.message} / 节点配置错误`);
    }
    this.config = parsed.data;
    this.id = parsed.data.id;
    this.key = parsed.data.key;
    for (const name of Object.keys(o.inputs)) {
      if (!this.config.channels.some((c) => c.name === name)) {
        throw new Error(`node ${this.id}: input for unknown channel "${name}" / 输入对应的通道不存在`);
      }
    }
    const storage = o.storage ?? new Map<string, string>();
    storage.set('pw.cfg', configText(o.config));
    const uarts: Record<string, UartEnd> = {};
    if (o.uart && this.config.link.kind === 'serial') uarts[this.config.link.uart] = o.uart;
    this.board = new VirtualBoard({
      name: this.id,
      script: o.fw.script,
      clock: o.clock,
      feeds: this.feeds(),
      storage,
      net: o.net,
      uarts,
      wifi: o.wifi,
      onConsole: o.onConsole,
    });
  }

  /** The channel's signal in node units at a time (what an ideal sensor would report). */
  unitsAt(channel: string, tMs: number): number {
    const input = this.o.inputs[channel];
    if (!input) return 0;
    const stuck = this.stuckAt.get(channel);
    const t = stuck ?? tMs;
    return input.perUnit * valueAt(input.value, t / 1000 - input.atS);
  }

  /** The input trace's marks (ignition, activation) on the scenario time line, seconds. */
  marks(channel: string): { label: string; t: number }[] {
    const input = this.o.inputs[channel];
    return input ? input.trace.marks.map((m) => ({ label: m.label, t: m.t + input.atS })) : [];
  }

  /** Sensor stuck: from now on it keeps reporting what it reads now. */
  stick(channel: string): void {
    this.stuckAt.set(channel, this.o.clock.now());
  }

  unstick(channel: string): void {
    this.stuckAt.delete(channel);
  }

  /** Cable fault on a channel, or undefined to repair it. */
  setWiring(channel: string, fault: 'open' | 'short' | undefined): void {
    if (fault) this.wiring.set(channel, fault);
    else this.wiring.delete(channel);
  }

  private feeds(): PinFeeds {
    const cfg = this.config;
    const analog: PinFeeds['analog'] = {};
    const digital: PinFeeds['digital'] = {};
    for (const c of cfg.channels) {
      const pin = cfg.pins[c.pin] as string;
      const input = this.o.inputs[c.name];
      if (c.kind === 'analog') {
        analog[pin] = (tMs) => {
          const fault = this.wiringAt(c.name, tMs);
          if (fault === 'open') return 0;
          if (fault === 'short') return 1;
          return c.zero + this.unitsAt(c.name, tMs) / c.gain;
        };
      } else {
        digital[pin] = contactFeed(input, c.active);
      }
    }
    const button = cfg.pins.button;
    if (button) digital[button] = buttonFeed(this.o.buttonPressesMs ?? []);
    if (cfg.battery) analog[cfg.pins[cfg.battery.pin] as string] = () => BATTERY_ADC;
    if (cfg.tamper) digital[cfg.pins[cfg.tamper.pin] as string] = { level: () => 1 - cfg.tamper!.active, edgesMs: [] };
    return { analog, digital };
  }

  private wiringAt(channel: string, tMs: number): 'open' | 'short' | undefined {
    const set = this.wiring.get(channel);
    if (set) return set;
    const input = this.o.inputs[channel];
    if (!input?.wiring) return undefined;
    const w = Math.round(valueAt(input.wiring, tMs / 1000 - input.atS));
    return w === 1 ? 'open' : w === 2 ? 'short' : undefined;
  }
}

/** The button pulls its input low while pressed (pull-up, active low). */
function buttonFeed(pressesMs: number[]): DigitalFeed {
  const sorted = [...pressesMs].map(Math.round).sort((a, b) => a - b);
  return stepFeed([
    { tMs: 0, level: 1 },
    ...sorted.flatMap((p) => [
      { tMs: p, level: 0 },
      { tMs: p + PRESS_MS, level: 1 },
    ]),
  ]);
}

/**
 * A wet probe drives the input to its active level at the trace's sample times, rounded to whole
 * ms on the scenario's time line (stepFeed: level and edges from one list).
 */
function contactFeed(input: ResolvedInput | undefined, active: 0 | 1): DigitalFeed {
  const ch = input?.contact ?? input?.value;
  if (!input || !ch) return { level: () => 1 - active, edgesMs: [] };
  return stepFeed(
    ch.t.map((t, i) => ({
      tMs: Math.round((t + input.atS) * 1000),
      level: (ch.v[i] as number) >= 0.5 ? active : 1 - active,
    })),
  );
}
