import { gatewayEvent, gatewayNodeState, gatewayState } from '../../protocol/topics.ts';
import type { LocalPublisher } from '../ports.ts';
import type { DecidedEvent, GatewayState, NodeState } from '../wire/events.ts';

/**
 * Publishes decided events and retained states on the local broker for the panel and Node-RED.
 * The transport is one function, attached when the broker is up: the embedded broker publishes
 * in-process, the external mode through its MQTT client. The publisher exists before the
 * transport (the gateway is built with it), so while no transport is attached or ready the
 * latest retained state per topic is kept and sent on attach; events are not kept (the outbox
 * carries them to the cloud, and a consumer that needs history reads the event log).
 */
export type LocalSend = (topic: string, payload: string, retain: boolean) => boolean;

export class MqttLocalPublisher implements LocalPublisher {
  private readonly pending = new Map<string, string>();
  private lastGateway: GatewayState | null = null;
  private send: LocalSend | null = null;
  /** events not sent because the transport was not ready */
  dropped = 0;

  constructor(private options: { gw: string }) {}

  /** The transport is up: publish through `send` from now on, starting with the kept states. */
  attach(send: LocalSend): void {
    this.send = send;
    this.flush();
  }

  detach(): void {
    this.send = null;
  }

  publishEvents(events: readonly DecidedEvent[]): void {
    for (const event of events) {
      if (!this.trySend(gatewayEvent(this.options.gw, event.kind), JSON.stringify(event), false)) this.dropped++;
    }
  }

  publishNodeState(state: NodeState): void {
    this.retained(gatewayNodeState(this.options.gw, state.node), JSON.stringify(state));
  }

  publishGatewayState(state: GatewayState): void {
    this.lastGateway = state;
    this.retained(gatewayState(this.options.gw), JSON.stringify(state));
  }

  /** The transport (re)connected: send the retained states kept meanwhile. */
  flush(): void {
    for (const [topic, payload] of this.pending) {
      if (!this.trySend(topic, payload, true)) return;
      this.pending.delete(topic);
    }
  }

  /** The retained "offline" state the gateway leaves behind on a clean stop (the will covers a crash). */
  offlineState(now: number): GatewayState | null {
    return this.lastGateway ? { ...this.lastGateway, state: 'offline', since: now } : null;
  }

  /** Publishes offlineState(now), if the gateway ever said it was online. */
  publishOffline(now: number): void {
    const state = this.offlineState(now);
    if (state) this.publishGatewayState(state);
  }

  private trySend(topic: string, payload: string, retain: boolean): boolean {
    return this.send !== null && this.send(topic, payload, retain);
  }

  private retained(topic: string, payload: string): void {
    if (this.trySend(topic, payload, true)) this.pending.delete(topic);
    else this.pending.set(topic, payload);
  }
}
