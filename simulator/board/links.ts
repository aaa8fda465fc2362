import { connect as tcpConnect } from 'node:net';

/**
 * Where a simulated node's bytes go. The firmware talks to Espruino's `net` sockets and UARTs;
 * the VirtualBoard hands them to one of these. Bytes are "binary strings" (one char per byte),
 * as in Espruino.
 */
export interface SocketHandlers {
  onConnect: () => void;
  onData: (data: string) => void;
  /** once, when the socket closed or could not connect */
  onClose: (reason: string) => void;
}

export interface SocketHandle {
  write(data: string): void;
  end(): void;
}

export interface NetProvider {
  connect(host: string, port: number, handlers: SocketHandlers): SocketHandle;
}

/** A UART of the board: what the firmware writes goes to `write`; `attach` receives bytes for it. */
export interface UartEnd {
  write(data: string): void;
  /** the board calls this once with its receive function; returns a detach function */
  attach(receive: (data: string) => void): () => void;
}

/**
 * Real TCP (live mode). `hostMap` redirects the node's configured broker host (e.g. the
 * gateway's LAN address) to where the test broker listens.
 */
export function realTcp(hostMap: (host: string, port: number) => { host: string; port: number }): NetProvider {
  return {
    connect(host, port, h) {
      const target = hostMap(host, port);
      const socket = tcpConnect(target.port, target.host);
      let closed = false;
      const close = (reason: string) => {
        if (closed) return;
        closed = true;
        h.onClose(reason);
      };
      socket.setNoDelay(true);
      socket.on('connect', () => h.onConnect());
      socket.on('data', (b: Buffer) => h.onData(b.toString('latin1')));
      socket.on('error', (e) => close(e.message));
      socket.on('close', () => close('closed'));
      return {
        write: (data) => {
          if (!socket.destroyed) socket.write(Buffer.from(data, 'latin1'));
        },
        end: () => socket.destroy(),
      };
    },
  };
}

/** No network at all: every connection fails (a node with no broker in reach). */
export const noNetwork: NetProvider = {
  connect(host, port, h) {
    queueMicrotask(() => h.onClose(`no route to ${host}:${port}`));
    return { write: () => {}, end: () => {} };
  },
};

/** A UART whose output is collected and whose input can be pushed (in-process serial link). */
export class CapturedUart implements UartEnd {
  private receive: ((data: string) => void) | undefined;

  constructor(private onOutput: (data: string) => void) {}

  write(data: string): void {
    this.onOutput(data);
  }

  attach(receive: (data: string) => void): () => void {
    this.receive = receive;
    return () => {
      this.receive = undefined;
    };
  }

  /** Bytes from the other end (the gateway) into the board. */
  push(data: string): void {
    if (this.receive) this.receive(data);
  }
}
