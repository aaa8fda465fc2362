import { SerialPort } from 'serialport';
import type { UartEnd } from '../board/links.ts';

/**
 * The node's end of a real serial line (a socat PTY): what the firmware writes to its UART goes
 * out of the PTY; bytes from the gateway come back in. When the line is unplugged (socat
 * killed) the port closes; `reopen` opens it again once the line is back.
 */
export class SerialNodeEnd implements UartEnd {
  private port: SerialPort | undefined;
  private receive: ((data: string) => void) | undefined;

  constructor(private path: string) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path: this.path, baudRate: 115200, autoOpen: false });
      port.open((err) => {
        if (err) return reject(err);
        this.port = port;
        port.on('data', (b: Buffer) => this.receive?.(b.toString('latin1')));
        port.on('close', () => {
          if (this.port === port) this.port = undefined;
        });
        port.on('error', () => {});
        resolve();
      });
    });
  }

  /** Tries to open again until it works or `timeoutMs` passes. */
  async reopen(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.open();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  write(data: string): void {
    if (this.port?.isOpen) this.port.write(Buffer.from(data, 'latin1'));
  }

  attach(receive: (data: string) => void): () => void {
    this.receive = receive;
    return () => {
      this.receive = undefined;
    };
  }

  close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    return new Promise((resolve) => (port?.isOpen ? port.close(() => resolve()) : resolve()));
  }
}
