import { GbtError } from './errors.ts';
import {
  bitsValue,
  COMPONENT_STATUS_BITS,
  DEVICE_OPERATION_BITS,
  DEVICE_STATUS_BITS,
  type NamedBits,
  nameBits,
  SYSTEM_OPERATION_BITS,
  SYSTEM_STATUS_BITS,
} from './status-bits.ts';
import { decodeDescription, encodeDescription } from './text.ts';
import { readTimeLabel, type TimeLabel, writeTimeLabel } from './time-label.ts';

/**
 * Application data (clause 8): type flag 1 B, object count 1 B, then the objects, each a body
 * of the type's fixed size followed by a 6-byte time label where the type has one. Types with
 * a layout here are decoded into named fields; any other type is kept as its raw bytes (so a
 * centre's extension is reported, not refused).
 */
export type DataObject = Record<string, unknown> & { time?: TimeLabel };

export type AppData =
  | { type: number; name: string; objects: DataObject[] }
  | { type: number; name: string; raw: string };

interface Layout {
  name: string;
  size: number;
  timed: boolean;
  read(b: Buffer, at: number): DataObject;
  write(o: DataObject, b: Buffer, at: number): void;
}

type Bits = { raw?: number; bits?: string[] };

function int(o: DataObject, key: string, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    throw new GbtError('field', `${key} must be an integer 0..${max}, got ${JSON.stringify(v)}`);
  return v;
}

function bits(o: DataObject, key: string, names: readonly string[], max: number): number {
  const v = o[key];
  const raw = typeof v === 'number' ? v : bitsValue((v ?? {}) as Bits, names);
  if (!Number.isInteger(raw) || raw < 0 || raw > max) throw new GbtError('field', `${key} must be 0..${max}`);
  return raw;
}

const system = {
  read: (b: Buffer, at: number) => ({ systemType: b[at], systemAddress: b[at + 1] }),
  write: (o: DataObject, b: Buffer, at: number) => {
    b[at] = int(o, 'systemType', 255);
    b[at + 1] = int(o, 'systemAddress', 255);
  },
};

const component = {
  read: (b: Buffer, at: number) => ({ ...system.read(b, at), componentAddress: b.readUInt32LE(at + 2) }),
  write: (o: DataObject, b: Buffer, at: number) => {
    system.write(o, b, at);
    b.writeUInt32LE(int(o, 'componentAddress', 0xffffffff), at + 2);
  },
};

const reserved: Omit<Layout, 'name'> = {
  size: 1,
  timed: false,
  read: (b, at) => ({ reserved: b[at] }),
  write: (o, b, at) => {
    b[at] = o.reserved === undefined ? 0 : int(o, 'reserved', 255);
  },
};

const systemQuery: Omit<Layout, 'name'> = { size: 2, timed: false, ...system };
const componentQuery: Omit<Layout, 'name'> = { size: 6, timed: false, ...component };

export const LAYOUTS: Record<number, Layout> = {
  1: {
    name: 'system_status',
    size: 4,
    timed: true,
    read: (b, at) => ({ ...system.read(b, at), status: nameBits(b.readUInt16LE(at + 2), SYSTEM_STATUS_BITS) }),
    write: (o, b, at) => {
      system.write(o, b, at);
      b.writeUInt16LE(bits(o, 'status', SYSTEM_STATUS_BITS, 0xffff), at + 2);
    },
  },
  2: {
    name: 'component_status',
    size: 40,
    timed: true,
    read: (b, at) => ({
      systemType: b[at],
      systemAddress: b[at + 1],
      componentType: b[at + 2],
      componentAddress: b.readUInt32LE(at + 3),
      status: nameBits(b.readUInt16LE(at + 7), COMPONENT_STATUS_BITS),
      description: decodeDescription(b.subarray(at + 9, at + 40)),
    }),
    write: (o, b, at) => {
      system.write(o, b, at);
      b[at + 2] = int(o, 'componentType', 255);
      b.writeUInt32LE(int(o, 'componentAddress', 0xffffffff), at + 3);
      b.writeUInt16LE(bits(o, 'status', COMPONENT_STATUS_BITS, 0xffff), at + 7);
      encodeDescription(typeof o.description === 'string' ? o.description : '').copy(b, at + 9);
    },
  },
  3: {
    name: 'analog_value',
    size: 10,
    timed: true,
    read: (b, at) => ({
      systemType: b[at],
      systemAddress: b[at + 1],
      componentType: b[at + 2],
      componentAddress: b.readUInt32LE(at + 3),
      analogType: b[at + 7],
      value: b.readInt16LE(at + 8),
    }),
    write: (o, b, at) => {
      system.write(o, b, at);
      b[at + 2] = int(o, 'componentType', 255);
      b.writeUInt32LE(int(o, 'componentAddress', 0xffffffff), at + 3);
      b[at + 7] = int(o, 'analogType', 255);
      const v = o.value;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -32768 || v > 32767)
        throw new GbtError('field', 'value must be an integer -32768..32767');
      b.writeInt16LE(v, at + 8);
    },
  },
  4: {
    name: 'system_operation',
    size: 4,
    timed: true,
    read: (b, at) => ({
      ...system.read(b, at),
      operation: nameBits(b[at + 2], SYSTEM_OPERATION_BITS),
      operator: b[at + 3],
    }),
    write: (o, b, at) => {
      system.write(o, b, at);
      b[at + 2] = bits(o, 'operation', SYSTEM_OPERATION_BITS, 255);
      b[at + 3] = int(o, 'operator', 255);
    },
  },
  21: {
    name: 'device_status',
    size: 1,
    timed: true,
    read: (b, at) => ({ status: nameBits(b[at], DEVICE_STATUS_BITS) }),
    write: (o, b, at) => {
      b[at] = bits(o, 'status', DEVICE_STATUS_BITS, 255);
    },
  },
  24: {
    name: 'device_operation',
    size: 2,
    timed: true,
    read: (b, at) => ({ operation: nameBits(b[at], DEVICE_OPERATION_BITS), operator: b[at + 1] }),
    write: (o, b, at) => {
      b[at] = bits(o, 'operation', DEVICE_OPERATION_BITS, 255);
      b[at + 1] = int(o, 'operator', 255);
    },
  },
  28: { name: 'device_time', size: 0, timed: true, read: () => ({}), write: () => {} },
  61: { name: 'read_system_status', ...systemQuery },
  62: { name: 'read_component_status', ...componentQuery },
  63: { name: 'read_analog_value', ...componentQuery },
  65: { name: 'read_system_software_version', ...systemQuery },
  66: { name: 'read_system_config', ...systemQuery },
  67: { name: 'read_component_config', ...componentQuery },
  68: { name: 'read_system_time', ...systemQuery },
  81: { name: 'read_device_status', ...reserved },
  85: { name: 'read_device_software_version', ...reserved },
  86: { name: 'read_device_config', ...reserved },
  88: { name: 'read_device_time', ...reserved },
  89: { name: 'init_device', ...reserved },
  90: {
    name: 'clock_sync',
    size: 6,
    timed: false,
    read: (b, at) => ({ clock: readTimeLabel(b, at) }),
    write: (o, b, at) => writeTimeLabel(String(o.clock), b, at),
  },
  91: {
    name: 'duty_check',
    size: 1,
    timed: false,
    read: (b, at) => ({ timeoutMin: b[at] }),
    write: (o, b, at) => {
      b[at] = int(o, 'timeoutMin', 255);
    },
  },
};

export const TYPE = {
  systemStatus: 1,
  componentStatus: 2,
  deviceStatus: 21,
  deviceOperation: 24,
  deviceTime: 28,
  readDeviceStatus: 81,
  readDeviceTime: 88,
  clockSync: 90,
  dutyCheck: 91,
} as const;

export function typeName(type: number): string {
  return LAYOUTS[type]?.name ?? (type >= 128 ? `user_${type}` : `type_${type}`);
}

/** Empty data (a confirm, deny or heartbeat) decodes to null. */
export function decodeAppData(data: Buffer): AppData | null {
  if (data.length === 0) return null;
  const type = data[0];
  const layout = LAYOUTS[type];
  if (!layout) return { type, name: typeName(type), raw: data.subarray(1).toString('hex') };
  if (data.length < 2) throw new GbtError('data', `type ${type} without an object count`);
  const count = data[1];
  const each = layout.size + (layout.timed ? 6 : 0);
  if (data.length !== 2 + count * each)
    throw new GbtError(
      'data',
      `type ${type}: ${count} objects of ${each} bytes need ${2 + count * each}, got ${data.length}`,
    );
  const objects: DataObject[] = [];
  for (let i = 0, at = 2; i < count; i++, at += each) {
    const o = layout.read(data, at);
    if (layout.timed) o.time = readTimeLabel(data, at + layout.size);
    objects.push(o);
  }
  return { type, name: layout.name, objects };
}

export function encodeAppData(app: { type: number; objects?: DataObject[]; raw?: string } | null): Buffer {
  if (!app) return Buffer.alloc(0);
  if (!Number.isInteger(app.type) || app.type < 0 || app.type > 255) throw new GbtError('field', 'type must be 0..255');
  const layout = LAYOUTS[app.type];
  if (!layout || app.objects === undefined) {
    if (app.raw === undefined || !/^([0-9a-fA-F]{2})*$/.test(app.raw))
      throw new GbtError('field', `type ${app.type} needs "raw" as hex${layout ? ' or "objects"' : ''}`);
    return Buffer.concat([Buffer.from([app.type]), Buffer.from(app.raw, 'hex')]);
  }
  if (app.objects.length > 255) throw new GbtError('field', 'at most 255 objects');
  const each = layout.size + (layout.timed ? 6 : 0);
  const out = Buffer.alloc(2 + app.objects.length * each);
  out[0] = app.type;
  out[1] = app.objects.length;
  app.objects.forEach((o, i) => {
    const at = 2 + i * each;
    layout.write(o, out, at);
    if (layout.timed) {
      if (typeof o.time !== 'string') throw new GbtError('field', `object ${i + 1} needs a time`);
      writeTimeLabel(o.time, out, at + layout.size);
    }
  });
  return out;
}

export type { NamedBits };
