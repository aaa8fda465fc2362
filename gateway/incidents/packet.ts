import { z } from 'zod';
import { Incident } from './incident.ts';
import { TimelineEntry } from './timeline.ts';

/**
 * The claim evidence packet of one incident (`parkwatch incidents export`): the incident, its
 * timeline and figures, every event's stored body with its chain link, the chain segment from the
 * first event to a head the gateway signed, that head, the gateway's public key, and the gateway's
 * Ed25519 signature over all of it. `parkwatch incidents verify FILE` checks it with no database.
 */
export const PACKET_FORMAT = 'parkwatch-incident-packet/1';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One row of the chain segment: what a link covers, without the body ([seq, at, node, kind, bodyHash, hash]). */
export const SegmentRow = z.tuple([
  z.number().int(),
  z.number().int(),
  z.string().nullable(),
  z.string(),
  Hex64,
  Hex64,
]);
export type SegmentRow = z.infer<typeof SegmentRow>;

export const PacketEvent = z.object({
  seq: z.number().int().positive(),
  step: z.string(),
  storedAt: z.number().int().nullable(),
  forwardedAt: z.number().int().nullable(),
  /** the stored body, byte for byte */
  body: z.string(),
  prevHash: Hex64,
  hash: Hex64,
});
export type PacketEvent = z.infer<typeof PacketEvent>;

export const IncidentPacket = z.object({
  format: z.literal(PACKET_FORMAT),
  exportedAt: z.number().int(),
  gw: z.string(),
  park: z.string(),
  incident: Incident,
  figures: z.object({ alarmToAcknowledgeMs: z.number().nullable(), alarmToClearMs: z.number().nullable() }),
  timeline: z.array(TimelineEntry),
  events: z.array(PacketEvent).min(1),
  chain: z.object({
    /** the link before the segment's first row */
    prev: Hex64,
    rows: z.array(SegmentRow).min(1),
    head: z.object({ seq: z.number().int(), hash: Hex64, signedAt: z.number().int(), sig: z.string() }),
  }),
  /** the gateway's Ed25519 public key, SPKI PEM; compare with the one recorded at installation */
  publicKey: z.string(),
  /** Ed25519 over the canonical JSON of everything above (base64) */
  sig: z.string(),
});
export type IncidentPacket = z.infer<typeof IncidentPacket>;
