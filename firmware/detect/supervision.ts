import type { BatteryConfig } from '../config.ts';
import type { AnalogInput } from '../hal.ts';

/** Node-wide troubles (battery, tamper): raised and cleared with a code. A method, like ChannelListener. */
export interface TroubleListener {
  trouble(raised: boolean, code: 'battery_low' | 'tamper', value: number): void;
}

/** Millivolts above the low threshold needed to clear the trouble, so a sagging cell does not flap. */
const BATTERY_HYST_MV = 100;
const BATTERY_READS = 4;

/**
 * Battery monitor: reads the battery divider at start and every `everyS` (GB 20517-2025 asks
 * at least every 24 h), averaging a few ADC reads because the ESP32 ADC is noisy. The node's 1 s
 * tick drives it (`tick`): no timer of its own, which would cost an entry and a closure in RAM.
 */
export class BatteryMonitor {
  mv = 0;
  low = false;

  constructor(
    private cfg: BatteryConfig,
    private input: AnalogInput,
    private listener: TroubleListener,
  ) {}

  /** Called with the node's tick count, once a second: checks every everyS. */
  tick(n: number): void {
    if (n % this.cfg.everyS === 0) this.check();
  }

  check(): void {
    let sum = 0;
    for (let i = 0; i < BATTERY_READS; i++) sum += this.input.read();
    this.mv = Math.round((sum / BATTERY_READS) * this.cfg.mvPerScale);
    if (!this.low && this.mv < this.cfg.lowMv) {
      this.low = true;
      this.listener.trouble(true, 'battery_low', this.mv);
    } else if (this.low && this.mv >= this.cfg.lowMv + BATTERY_HYST_MV) {
      this.low = false;
      this.listener.trouble(false, 'battery_low', this.mv);
    }
  }
}
