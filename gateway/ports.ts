import type { Logger } from 'pino';
import type { InboundFrame, IngestSource } from './ingest/inbound.ts';
import type { DecidedEvent, GatewayState, NodeState } from './wire/events.ts';

/**
 * What the gateway core hands to ingest transports (serial, local MQTT) and what it expects
 * back. Ingest modules import these types only; they never reach into the core's stages.
 */

/** Node key lookup for MQTT auth: the node's HMAC key (hex) or undefined when the node is not registered. */
export type NodeKeyLookup = (nodeId: string) => string | undefined;

/** The pipeline's entry: call once per received wire form. Never throws; rejects are counted inside. */
export type FrameHandler = (frame: InboundFrame) => void;

/** A transport link that went away or came back (a serial port unplugged, an external broker lost). */
export interface LinkChange {
  path: 'serial' | 'mqtt';
  /** serial port path or broker URL */
  via: string;
  up: boolean;
  /** why it went down, for logs and the trouble event */
  reason?: string;
}

/** Counters an ingest module reports into /metrics (e.g. framing rejects by reason, per port). */
export type IngestCounter = (
  name: 'ingest_transport_rejects_total',
  labels: { path: string; via: string; reason: string },
) => void;

/** Everything an ingest module gets from the core. */
export interface IngestContext {
  keyOf: NodeKeyLookup;
  onFrame: FrameHandler;
  /** raise or clear a `link` trouble for this transport */
  onLink: (change: LinkChange) => void;
  count: IngestCounter;
  log: Logger;
}

/**
 * Publishes decided events and retained state on the LOCAL broker (panel, Node-RED).
 * Implemented by the ingest engineer next to the embedded broker; plugged in with
 * `GatewayOptions.localPublisher`. Calls come after the events are durably committed.
 * Topics: protocol/topics.ts gatewayEvent / gatewayNodeState / gatewayState.
 */
export interface LocalPublisher {
  publishEvents(events: readonly DecidedEvent[]): void;
  /** retained */
  publishNodeState(state: NodeState): void;
  /** retained; the publisher also sets the "offline" last-will (or publishes it on stop for an embedded broker) */
  publishGatewayState(state: GatewayState): void;
}

/**
 * How the gateway builds an ingest source: it calls the factory with the context above, then
 * `start(ctx.onFrame)` inside its own try/catch, and `sendToNode` to deliver sealed commands
 * (event_ack) over whichever source heard the node last.
 */
export type IngestFactory = (ctx: IngestContext) => IngestSource;
