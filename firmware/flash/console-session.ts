import { z } from 'zod';
import { FlashError } from './errors.ts';
import type { LoadedTools } from './espruino-tools.ts';
import { createPortDevice, isTcpPort, type PortDevice } from './port-device.ts';

/** What the board says about itself when asked for `process.env`. */
export const BoardEnv = z
  .object({
    BOARD: z.string(),
    VERSION: z.string(),
    MODULES: z.string().optional(),
  })
  .passthrough();
export type BoardEnv = z.output<typeof BoardEnv>;

/**
 * One connection to an Espruino console through EspruinoTools: open, ask the board who it is,
 * send the upload with EspruinoTools' pacing, and hand every received byte to a listener (the
 * hello watcher reads the same port after the restart).
 */
export class ConsoleSession {
  private device: PortDevice;
  private listeners: ((text: string) => void)[] = [];
  private lost: ((err: FlashError) => void) | undefined;
  /** everything the board printed, for error messages */
  transcript = '';

  constructor(
    private tools: LoadedTools,
    readonly port: string,
    baud: number,
  ) {
    this.device = createPortDevice(port, baud);
  }

  onText(listener: (text: string) => void): void {
    this.listeners.push(listener);
  }

  async open(fast: boolean): Promise<void> {
    const { Serial } = this.tools.E.Core;
    Serial.devices.length = 0;
    Serial.devices.push(this.device);
    Serial.startListening((data) => this.received(data));
    await new Promise<void>((resolve, reject) => {
      Serial.open(
        this.port,
        (info) => {
          if (info === undefined || info === null || typeof info === 'object') {
            reject(
              this.device.failure() ??
                new FlashError('port_open', { zh: `无法打开 ${this.port}`, en: `cannot open ${this.port}` }),
            );
          } else resolve();
        },
        () =>
          this.lost?.(this.device.failure() ?? new FlashError('port_lost', { zh: '连接中断', en: 'connection lost' })),
      );
    });
    // EspruinoTools paces serial writes (19-byte blocks, 50 ms apart) because Espruino's UART
    // console can drop bytes; a telnet console has no such limit (its own version checker
    // turns pacing off for "Telnet" consoles too).
    if (fast || isTcpPort(this.port)) Serial.setSlowWrite(false, true);
  }

  /** Resolves with the error if the line drops before `close()`. */
  whenLost(): Promise<FlashError> {
    return new Promise((resolve) => {
      this.lost = resolve;
    });
  }

  /** Gets a prompt (Ctrl-C if needed) and reads `process.env`; a silent board is an error. */
  async identify(): Promise<BoardEnv> {
    const raw = await new Promise<string | undefined>((resolve) =>
      this.tools.E.Core.Utils.executeExpression('process.env', resolve),
    );
    let parsed: unknown;
    try {
      parsed = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const env = BoardEnv.safeParse(parsed);
    if (!env.success) {
      const heard = this.transcript.trim().slice(-120);
      throw new FlashError('no_answer', {
        zh: `${this.port} 上的板子没有像 Espruino 控制台那样回答`,
        en: `the board on ${this.port} did not answer like an Espruino console${heard ? ` (it printed: ${JSON.stringify(heard)})` : ' (it printed nothing)'}`,
        hint: '确认板子已烧录 Espruino 固件、已上电、波特率正确 (--baud，ESP32 为 115200)；按一下 EN/RST 键后重试 / check Espruino is installed, the board is powered and the baud rate is right (--baud, 115200 on ESP32); press EN/RST and retry',
      });
    }
    return env.data;
  }

  /** Sends the upload; resolves once the last byte left (EspruinoTools waits after reset, each Storage write and load). */
  async send(bytes: string): Promise<void> {
    const { Serial } = this.tools.E.Core;
    // EspruinoTools calls this callback only for writes longer than one block (core/serial.js),
    // so completion is also read off its transmit queue.
    let called = false;
    Serial.write(bytes, true, () => {
      called = true;
    });
    const idle = () => !Serial.connection.txInProgress && Serial.connection.txDataQueue.length === 0;
    while (!called && !idle()) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** Closes the port and waits (at most 1 s) until it is closed, so EspruinoTools is quiet afterwards. */
  async close(): Promise<void> {
    const { Serial } = this.tools.E.Core;
    Serial.startListening(undefined);
    if (!Serial.isConnected()) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.lost = () => {
        clearTimeout(timer);
        resolve();
      };
      Serial.close();
    });
  }

  private received(data: ArrayBuffer): void {
    const text = Buffer.from(data).toString('latin1');
    if (this.transcript.length < 200_000) this.transcript += text;
    for (const l of this.listeners) l(text);
  }
}
