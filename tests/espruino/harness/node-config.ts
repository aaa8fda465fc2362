import { createHash, randomBytes } from 'node:crypto';

/**
 * A node.json for interpreter tests: an MQTT (or serial) node with a smoke chamber on D34 and
 * a water probe on D32, with short timings so real time passes quickly (heartbeat 5 s, the
 * smallest a config allows; smoke sampled every 200 ms and verified for 2 s; water on after
 * 400 ms). `extra` replaces top-level fields.
 */
export function testNodeConfig(
  id: string,
  link: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): { config: Record<string, unknown>; key: string } {
  const key = randomBytes(32).toString('hex');
  const config = {
    id,
    key,
    link,
    heartbeatS: 5,
    channels: [
      { name: 'smoke', kind: 'analog', everyMs: 200, median: 1, verifyS: 2, telemetryS: 3 },
      { name: 'water', kind: 'contact', onMs: 400, offMs: 400, latch: true },
    ],
    ...extra,
  };
  return { config, key };
}

/** Analog level (0..1) that reads `units` above the default zero (0.1) with the default gain (3000). */
export function smokeLevel(units: number): number {
  return 0.1 + units / 3000;
}

/** The node's config hash as its hello reports it: SHA-256 of the bytes in Storage (UTF-8). */
export function configHash(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
}
