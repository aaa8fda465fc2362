/**
 * A node's way to the gateway: Wi-Fi MQTT (mqtt-link.ts) or a UART (serial-link.ts), chosen by
 * config. Both carry sealed wire strings (protocol/envelope.ts `seal`) up and commands down.
 * Neither needs to be reliable on its own: the node keeps its events until `event_ack`.
 */
export interface Link {
  /** connects; a running node keeps its link for good (a new config means a reboot) */
  start(): void;
  /** true while a message sent now can reach the gateway (MQTT session up; serial once started). A field, not a method: RAM. */
  readonly up: boolean;
  /**
   * Sends one sealed message; false when it could not be queued (link down, window full). `once`:
   * a heartbeat or telemetry, sent once and never retried (MQTT QoS 0: it takes no window slot,
   * so unacknowledged periodic messages can never hold an event back, and nothing is kept).
   */
  send(wire: string, once?: boolean): boolean;
  /** Wi-Fi RSSI in dBm, 0 when unknown; the serial link has none */
  rssi?(): number;
  /**
   * Housekeeping once a second (MQTT: keepalive, ping, publish retry), called by the node's tick
   * so the link needs no timer of its own. Optional: the serial link has none.
   */
  tick?(): void;
}

export interface LinkEvents {
  /** a command arrived (its wire form, not yet verified) */
  onCommand: (wire: string) => void;
  /**
   * The link can take messages: `all` when it just came up (send every unacknowledged event
   * again), else when its window has room again (send what is due). The Messenger's own method.
   */
  flush: (all: boolean) => void;
}
