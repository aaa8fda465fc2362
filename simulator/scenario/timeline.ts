/**
 * What happened in a run, in one shape for both modes: what the gateway accepted (or decided),
 * what the nodes put on the wire, and the sensor signals, for the expectations and the report.
 */
export interface TimelineEntry {
  /** when the gateway had it, ms of scenario time */
  tMs: number;
  /** event time as the gateway dates it (receive time - the node's age), ms */
  atMs: number;
  node: string;
  kind: string;
  ch: string;
  /** trouble code */
  code?: string;
  /** a node message, or raised by the gateway itself (offline) */
  source: 'node' | 'gateway';
  /** node/boot/seq of a node message */
  key?: string;
  /** live mode: the decided event id */
  eventId?: string;
  /** baseline the node reported with telemetry, prealarm and alarm (node units) */
  b?: number;
}

export interface ChannelSeries {
  node: string;
  ch: string;
  unit: string;
  /** seconds */
  t: number[];
  /** the signal in node units at the sensor */
  v: number[];
  /** node units, over the baseline */
  pre: number;
  alarm: number;
  /** moments from the input trace (ignition, ground-truth activation), seconds */
  marks: { label: string; t: number }[];
}

export interface FaultSpan {
  kind: string;
  node?: string;
  fromS: number;
  toS: number;
}

export interface Timeline {
  scenario: string;
  mode: 'inprocess' | 'live';
  durationS: number;
  entries: TimelineEntry[];
  /** node events written to the wire at least once (node/boot/seq -> kind), from the board side */
  wireEvents: Map<string, string>;
  /** live mode: cloud deliveries by event id (count) */
  cloud?: Map<string, number>;
  /** live mode: decided events the gateway committed, by id */
  decided?: Set<string>;
  series: ChannelSeries[];
  faults: FaultSpan[];
  /** firmware errors and other things a reader must know */
  notes: string[];
  /** wall-clock run time, ms */
  wallMs: number;
}
