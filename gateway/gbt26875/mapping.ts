import type { AppData, DataObject } from '../../protocol/gbt26875/objects.ts';
import { TYPE } from '../../protocol/gbt26875/objects.ts';
import {
  COMPONENT_STATUS_BITS,
  DEVICE_OPERATION_BITS,
  DEVICE_STATUS_BITS,
  nameBits,
} from '../../protocol/gbt26875/status-bits.ts';
import { labelOf } from '../../protocol/gbt26875/time-label.ts';
import type { Condition } from '../decide/conditions.ts';
import type { DecidedEvent } from '../wire/events.ts';
import type { Gbt26875Config } from './config.ts';
import { FIRE_LANE, type NewFrame, OTHER_LANE } from './queue.ts';

/**
 * Decided events -> frames for the centre.
 *
 * A node's channel is a component (type 2). Its status word is the component's whole state
 * after the event, not just the change: b0 normal run (0 only for a test), b1 fire for an
 * active smoke alarm, b4 supervisory for an active water alarm (a leak must not look like a
 * fire to the centre), b2 fault while any trouble is open. Gateway-wide troubles (a serial
 * port gone, outbox over quota) and the fire summary go out as the device's own status
 * (type 21); an operator's silence or reset as a device operation record (type 24).
 * Not sent: pre-alarms, telemetry, hello, hush, acknowledgements and notes.
 */
const SMOKE = 1 << 1;
const FAULT = 1 << 2;
const SUPERVISORY = 1 << 4;
const CENTRE_LINK_FAULT = 1 << 5;
const NORMAL = 1;

interface ComponentState {
  alarm: number;
  troubles: Set<string>;
}

export interface NodeInfo {
  systemAddress: number;
  componentAddress: number;
}

export class EventMapper {
  private components = new Map<string, ComponentState>();
  private gatewayTroubles = new Set<string>();

  constructor(
    private config: Gbt26875Config,
    private nodeInfo: (node: string, ch: string) => NodeInfo,
  ) {}

  /** Seeds the state from the open conditions at start (the frames after the cursor replay on top). */
  seed(open: readonly Condition[]): void {
    for (const c of open) {
      if (c.state === 'closed' || c.state === 'cleared') continue;
      if (c.node === null) {
        if (c.kind === 'trouble') this.gatewayTroubles.add(`${c.ch}/${c.trouble}`);
        continue;
      }
      const s = this.state(c.node, c.ch);
      if (c.kind === 'alarm') s.alarm = c.priority === 'water' ? SUPERVISORY : SMOKE;
      if (c.kind === 'trouble') s.troubles.add(c.trouble ?? '');
    }
  }

  /**
   * The device's own status byte: normal, fire while any smoke alarm is active, fault while a gateway
   * trouble is open; the centre link's own trouble is b5 "link to the centre fault", not b2.
   */
  deviceStatus(): number {
    const link = [...this.gatewayTroubles].some((k) => k.endsWith('/centre_link'));
    const others = this.gatewayTroubles.size - (link ? 1 : 0);
    let status =
      (this.gatewayTroubles.size === 0 ? NORMAL : 0) | (others > 0 ? FAULT : 0) | (link ? CENTRE_LINK_FAULT : 0);
    for (const s of this.components.values()) if (s.alarm === SMOKE) status |= SMOKE;
    return status;
  }

  deviceStatusData(at: number): AppData {
    return {
      type: TYPE.deviceStatus,
      name: 'device_status',
      objects: [
        { status: nameBits(this.deviceStatus(), DEVICE_STATUS_BITS), time: labelOf(at, this.config.utcOffsetMin) },
      ],
    };
  }

  map(e: DecidedEvent): NewFrame | undefined {
    const time = labelOf(e.at, this.config.utcOffsetMin);
    const frame = (data: AppData, lane = OTHER_LANE as NewFrame['lane']): NewFrame => ({
      lane,
      eventSeq: e.seq,
      data,
      receivedAt: e.receivedAt,
    });
    if (e.node === null) {
      if (e.kind !== 'trouble' && e.kind !== 'trouble_clear') return undefined;
      const key = `${e.ch}/${e.trouble}`;
      if (e.kind === 'trouble') this.gatewayTroubles.add(key);
      else this.gatewayTroubles.delete(key);
      return frame(this.deviceStatusData(e.at));
    }
    if (e.kind === 'silence' || e.kind === 'reset') {
      const operation = e.kind === 'reset' ? 1 : 2;
      return frame({
        type: TYPE.deviceOperation,
        name: 'device_operation',
        objects: [{ operation: nameBits(operation, DEVICE_OPERATION_BITS), operator: 0, time }],
      });
    }
    const s = this.state(e.node, e.ch);
    let status: number;
    switch (e.kind) {
      case 'alarm':
        s.alarm = e.priority === 'water' ? SUPERVISORY : SMOKE;
        status = this.status(s, NORMAL);
        break;
      case 'clear':
        s.alarm = 0;
        status = this.status(s, NORMAL);
        break;
      case 'trouble':
        s.troubles.add(e.trouble ?? '');
        status = this.status(s, NORMAL);
        break;
      case 'trouble_clear':
        s.troubles.delete(e.trouble ?? '');
        status = this.status(s, NORMAL);
        break;
      case 'test':
        status = this.status(s, 0);
        break;
      default:
        return undefined;
    }
    const info = this.nodeInfo(e.node, e.ch);
    const water = e.priority === 'water' || /water|leak|flood/i.test(e.ch);
    const object: DataObject = {
      systemType: this.config.systemType,
      systemAddress: info.systemAddress,
      componentType: water ? this.config.waterComponentType : this.config.smokeComponentType,
      componentAddress: info.componentAddress,
      status: nameBits(status, COMPONENT_STATUS_BITS),
      description: describe(e),
      time,
    };
    return frame(
      { type: TYPE.componentStatus, name: 'component_status', objects: [object] },
      e.priority === 'fire' ? FIRE_LANE : OTHER_LANE,
    );
  }

  private status(s: ComponentState, base: number): number {
    return base | s.alarm | (s.troubles.size > 0 ? FAULT : 0);
  }

  private state(node: string, ch: string): ComponentState {
    const key = `${node}/${ch}`;
    let s = this.components.get(key);
    if (!s) {
      s = { alarm: 0, troubles: new Set() };
      this.components.set(key, s);
    }
    return s;
  }
}

/** Zone and location as the centre's operator reads them, else the node id (cut to 31 GB18030 bytes). */
function describe(e: DecidedEvent): string {
  const p = e.placement;
  const where = p ? `${p.zone}${p.location}`.trim() : '';
  return where || `${e.node ?? ''} ${e.ch}`.trim();
}
