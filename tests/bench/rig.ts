/**
 * What every measured system offers the benchmark: the Mosquitto bridge (edge -> cloud) and the
 * parkwatch gateway (nodes -> gateway -> cloud) both fit this shape, so one set of measurements
 * (measure.ts) runs against both and the figures compare like with like.
 */

export type MessageClass = 'alarm' | 'background';

export interface Sent {
  /** what the cloud tap will report for this message (e.g. "sender:n" or "node:boot:seq") */
  key: string;
  /** resolves when the edge acknowledged the message (PUBACK): from then on it must not be lost */
  acked: Promise<void>;
}

/** One publishing connection: a client of the edge broker, or one simulated node. */
export interface Sender {
  send(cls: MessageClass): Sent;
  /**
   * Builds `count` background messages ahead of time (a gateway sender signs them), so the
   * load generator's own work does not eat the 2 cores the measured system runs on.
   */
  prepare?(count: number): void;
  close(): Promise<void>;
}

/** A subscriber on the cloud broker with a persistent session (it survives cloud restarts). */
export interface CloudTap {
  close(): Promise<void>;
}

export interface Rig {
  readonly name: string;
  /** opens n senders; `tag` keeps their ids apart from earlier rounds' senders */
  senders(n: number, tag: string): Promise<Sender[]>;
  /** calls onKey(key) for every message that reaches the cloud */
  tap(onKey: (key: string) => void): Promise<CloudTap>;
  /** the cloud outage: SIGTERM the cloud broker / start it again */
  cloudDown(): Promise<void>;
  cloudUp(): Promise<void>;
  /** SIGKILL the edge (the bridging mosquitto or the gateway process) and start it again */
  crashEdge(): Promise<void>;
  restartEdge(): Promise<void>;
  /** resident set size of the edge process in bytes */
  edgeRss(): number;
  dispose(): Promise<void>;
}
