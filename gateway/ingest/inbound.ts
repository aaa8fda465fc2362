/**
 * The boundary between ingest (serial ports, local MQTT) and the pipeline. Ingest knows
 * bytes and transports; the pipeline knows messages. Neither reaches into the other.
 */
export interface InboundFrame {
  path: 'serial' | 'mqtt';
  /** serial port path, or the MQTT client id */
  via: string;
  /** the wire form exactly as received (signed body + sig member) */
  raw: string;
  /** gateway clock, ms since epoch */
  receivedAt: number;
  /** node id taken from the MQTT topic; the pipeline refuses a message whose node differs */
  topicNode?: string;
}

/** Sends a sealed command back to a node over the path it last spoke on. Returns false if no path is open. */
export type NodeSender = (node: string, wire: string) => boolean;

export interface IngestSource {
  readonly name: string;
  start(onFrame: (frame: InboundFrame) => void): Promise<void>;
  stop(): Promise<void>;
  /** true when this source delivered the node's last message and can reach it now */
  sendToNode(node: string, wire: string): boolean;
}
