import { GbtError } from './errors.ts';

/**
 * Named status and operation bits (GB/T 26875.3-2011, 8.2.1). Bit i of the value is the
 * i-th name; names are what the CLI prints and what `encode` accepts instead of a number.
 */
export const SYSTEM_STATUS_BITS = [
  'normal', // b0: 1 normal run, 0 test
  'fire',
  'fault',
  'shielded',
  'supervisory',
  'started',
  'feedback',
  'delayed',
  'main_power_fault',
  'backup_power_fault',
  'bus_fault',
  'manual',
  'config_changed',
  'reset',
] as const;

export const COMPONENT_STATUS_BITS = [
  'normal', // b0: 1 normal run, 0 test
  'fire',
  'fault',
  'shielded',
  'supervisory',
  'started',
  'feedback',
  'delayed',
  'power_fault',
] as const;

/** Type 21, the user information transmission device's own status. */
export const DEVICE_STATUS_BITS = [
  'normal',
  'fire',
  'fault',
  'main_power_fault',
  'backup_power_fault',
  'centre_link_fault',
  'monitored_line_fault',
] as const;

/** Type 4, operations on a fire-protection system. */
export const SYSTEM_OPERATION_BITS = [
  'reset',
  'silence',
  'manual_alarm',
  'alarm_cleared',
  'self_test',
  'confirm',
  'test',
] as const;

/** Type 24, operations on the transmission device; b5 answers the centre's duty check (查岗). */
export const DEVICE_OPERATION_BITS = [
  'reset',
  'silence',
  'manual_alarm',
  'alarm_cleared',
  'self_test',
  'duty_check_answer',
  'test',
] as const;

export interface NamedBits {
  raw: number;
  bits: string[];
}

export function nameBits(raw: number, names: readonly string[]): NamedBits {
  const bits: string[] = [];
  for (let i = 0; i < 16; i++) if (raw & (1 << i)) bits.push(names[i] ?? `b${i}`);
  return { raw, bits };
}

/** `raw` wins; otherwise the named bits are or-ed (unknown names are an error for the caller). */
export function bitsValue(value: { raw?: number; bits?: readonly string[] }, names: readonly string[]): number {
  if (value.raw !== undefined) return value.raw;
  let raw = 0;
  for (const b of value.bits ?? []) {
    const i = names.indexOf(b);
    const n = i >= 0 ? i : /^b\d+$/.test(b) ? Number(b.slice(1)) : -1;
    if (n < 0) throw new GbtError('field', `unknown bit "${b}" (one of ${names.join(', ')})`);
    raw |= 1 << n;
  }
  return raw;
}
