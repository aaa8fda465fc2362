/**
 * XON/XOFF software flow control for uploads. Espruino sends XOFF (0x13) when its input buffer
 * fills (it is busy writing flash) and XON (0x11) when it can take more. EspruinoTools 0.1.67
 * parses both but never turns the check on in Node (its `uart.flowControl` is never set), so
 * parkwatch's transport holds writes itself. Like EspruinoTools, a pause ends on its own after
 * 10 s, so a lost XON cannot stall an upload forever.
 */
const XON = 0x11;
const XOFF = 0x13;
export const MAX_PAUSE_MS = 10_000;

export class XonXoffGate {
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private held: (() => void)[] = [];

  constructor(private maxPauseMs = MAX_PAUSE_MS) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** Reads flow-control bytes in data from the board; the last one in the chunk wins. */
  observe(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte === XOFF) this.pause();
      else if (byte === XON) this.resume();
    }
  }

  /** Runs `write` now, or when the board sends XON (or the pause times out). */
  whenOpen(write: () => void): void {
    if (this.paused) this.held.push(write);
    else write();
  }

  /** Drops held writes (the port closed). */
  clear(): void {
    clearTimeout(this.timer);
    this.paused = false;
    this.held = [];
  }

  private pause(): void {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.resume(), this.maxPauseMs);
  }

  private resume(): void {
    clearTimeout(this.timer);
    this.paused = false;
    for (const write of this.held.splice(0)) write();
  }
}
