import { EventEmitter } from 'node:events';
import type { LinkChange } from './ports.ts';
import type { DecidedEvent, NodeState } from './wire/events.ts';

/**
 * The typed event bus the stages meet on. A stage never calls another stage; it emits or
 * listens here. Listeners run synchronously: keep them short and never throw.
 */
export interface BusEvents {
  /** events durably stored, in seq order (after the batch's transaction committed) */
  committed: [events: readonly DecidedEvent[]];
  nodeState: [state: NodeState];
  link: [change: LinkChange];
  /** the cloud uplink connected (true) or lost its connection (false) */
  uplink: [connected: boolean];
}

export class Bus {
  private emitter = new EventEmitter();

  /** `onError` hears a listener that threw; the other listeners still run. */
  constructor(private onError: (event: string, err: Error) => void = () => {}) {
    this.emitter.setMaxListeners(50);
  }

  on<K extends keyof BusEvents>(name: K, listener: (...args: BusEvents[K]) => void): () => void {
    const wrapped = (...args: unknown[]) => {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.onError(name, err as Error);
      }
    };
    this.emitter.on(name, wrapped);
    return () => this.emitter.off(name, wrapped);
  }

  emit<K extends keyof BusEvents>(name: K, ...args: BusEvents[K]): void {
    this.emitter.emit(name, ...args);
  }
}
