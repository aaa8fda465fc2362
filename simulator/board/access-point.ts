import type { WifiControl } from './espruino-env.ts';

/** The Wi-Fi access point a simulated node associates with; a scenario turns it off and on. */
export class SimAccessPoint implements WifiControl {
  private up = true;
  private listeners = new Set<(up: boolean) => void>();

  constructor(private rssiDbm = -62) {}

  available(): boolean {
    return this.up;
  }

  rssi(): number {
    return this.rssiDbm;
  }

  onChange(fn: (up: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setAvailable(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    for (const fn of [...this.listeners]) fn(up);
  }
}
