/**
 * The message kinds of the wire contract.
 *
 * This folder is imported by the firmware, so it is written in Espruino's subset:
 * no destructuring, spread/rest, default parameters, Map/Set, optional chaining
 * (the compiler lowers it, but we avoid it anyway) or computed keys.
 */

/** Protocol version carried in every message as `v`. */
export const PROTOCOL_VERSION = 1;

/**
 * Kinds a node sends to the gateway (on its up topic or as a serial frame).
 *
 * Every node message has the envelope fields of `NodeMessage` (see message.ts) and a
 * kind-specific `d` object:
 * - hello:         d = { fw: firmware version, fwh: firmware hash (hex), cfh: config hash (hex),
 *                        rst: reset cause ("power" | "watchdog" | "software" | "unknown"),
 *                        chs: channel names this node has }
 * - heartbeat:     d = { bat: battery millivolts, rssi: Wi-Fi RSSI dBm (0 on serial),
 *                        mem: free JsVars, ivl: heartbeat interval in s,
 *                        lat?: channels whose latched alarm waits for a reset (input back to normal) }
 * - telemetry:     d = { v: reading in the channel's unit (integer, e.g. permille obscuration),
 *                        b: baseline, st: channel state }
 * - prealarm:      d = { v: reading, b: baseline, th: pre-alarm threshold }
 * - alarm:         d = { v: reading, b: baseline, th: alarm threshold, src: "smoke" | "water" | "heat",
 *                        latch?: true when the alarm holds until a reset (contact channels) }
 * - clear:         d = { v: reading } (the channel returned to normal after prealarm/alarm)
 * - trouble:       d = { code: TroubleCode, v?: reading }
 * - trouble_clear: d = { code: TroubleCode }
 * - test:          d = { by: "button" | "command", ok: true when every output was driven }
 * - hush:          d = { by: "button" | "command", until: node uptime ms when the hush expires }
 * - ack:           d = { cmd: command seq acknowledged, ok: boolean, err?: reason when not ok }
 */
export const NODE_KINDS = [
  'hello',
  'heartbeat',
  'telemetry',
  'prealarm',
  'alarm',
  'clear',
  'trouble',
  'trouble_clear',
  'test',
  'hush',
  'ack',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/**
 * Kinds that are events: kept in the node's RAM ring and re-sent until the gateway
 * acknowledges them with an `event_ack` command. Heartbeat and telemetry are
 * periodic and superseded by the next one, so they are not re-sent.
 */
export const EVENT_KINDS: NodeKind[] = [
  'hello',
  'prealarm',
  'alarm',
  'clear',
  'trouble',
  'trouble_clear',
  'test',
  'hush',
  'ack',
];

/** For any string (the gateway's input): true for the kinds of EVENT_KINDS. */
export function isEventKind(kind: string): boolean {
  return EVENT_KINDS.indexOf(kind as NodeKind) >= 0;
}

/**
 * The same answer for a kind already typed NodeKind (the firmware's own messages): every kind but
 * the two periodic ones. No table, so the firmware does not keep EVENT_KINDS in RAM (~20 JsVars);
 * tests/firmware pins it to isEventKind for every NodeKind.
 */
export function isNodeEventKind(kind: NodeKind): boolean {
  return kind !== 'heartbeat' && kind !== 'telemetry';
}

/**
 * Trouble codes: a trouble is never an alarm. Each has its own sounder pattern on the node.
 * - unconfigured:  config missing or invalid in Storage
 * - sensor_open:   reading below the valid range (open circuit)
 * - sensor_short:  reading above the valid range (short circuit)
 * - dirty:         drift compensation reached its limit; the chamber needs cleaning (GB 4715-2024)
 * - battery_low:   battery under its threshold (GB 20517-2025)
 * - tamper:        the tamper input opened
 * - offline:       raised by the gateway when a node misses its heartbeats
 * - link:          raised by the gateway for a serial port that went away
 * - quota:         raised by the gateway when the outbox dropped telemetry over its disk quota
 * - clock:         raised by the gateway while its system clock is not synchronised (NTP)
 * - centre_link:   raised by the gateway while its link to the fire monitoring centre (GB/T 26875) is down
 */
export const TROUBLE_CODES = [
  'unconfigured',
  'sensor_open',
  'sensor_short',
  'dirty',
  'battery_low',
  'tamper',
  'offline',
  'link',
  'quota',
  'clock',
  'centre_link',
] as const;
export type TroubleCode = (typeof TROUBLE_CODES)[number];

/**
 * Commands the gateway sends to a node (on its down topic or as a serial frame).
 * Every command has the envelope fields of `NodeCommand` and a kind-specific `d`:
 * - event_ack:  d = { seqs: node sequence numbers (same boot) now durably stored }
 * - hush:       d = { ch: channel name or "*", s: seconds, at most 600 }
 * - silence:    d = { s: seconds to keep the local sounder quiet }
 * - test:       d = {}  (run the self test as if the button were pressed)
 * - set_config: d = { cfg: the node config object; the node validates it, stores it and reboots }
 * - reboot:     d = {}
 * - reset:      d = { ch: channel name or "*" } clears a latched alarm whose input is back to normal;
 *               refused (ack ok:false) with err "input active", "no alarm" or "not latched"
 */
export const COMMAND_KINDS = ['event_ack', 'hush', 'silence', 'test', 'set_config', 'reboot', 'reset'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** Longest hush a node accepts, in seconds (a hushed alarm re-sounds after this). */
export const MAX_HUSH_S = 600;
