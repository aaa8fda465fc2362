import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { canonicalJson } from '../../protocol/canonical.ts';
import { headSignatureValid, linkHash, sha256Hex } from '../store/chain.ts';
import type { DecidedEvent } from '../wire/events.ts';
import { applyEvent, type Incident, type IncidentStep, responseFigures } from './incident.ts';
import { IncidentPacket } from './packet.ts';
import { timelineOf } from './timeline.ts';

/**
 * Checks an incident evidence packet with nothing but the file (and, best, the gateway's public
 * key recorded at installation): the gateway's signature over the whole packet, each event's body
 * against its link, the chain segment link by link up to a head the gateway signed, and the
 * incident and timeline recomputed from the events. Pure: no database, no network.
 */
export type PacketProblem =
  | 'format'
  | 'foreign_key'
  | 'packet_signature'
  | 'head_signature'
  | 'segment'
  | 'event'
  | 'incident'
  | 'timeline';

export interface PacketVerdict {
  ok: boolean;
  problem?: { code: PacketProblem; message: string };
  incident?: string;
  events: number;
  segmentRows: number;
  headSeq?: number;
  /** SHA-256 of the public key (DER), hex: what to compare by phone with the recorded key */
  keyFingerprint?: string;
}

const MESSAGES: Record<PacketProblem, string> = {
  format: '文件不是事件档案包 / not an incident packet',
  foreign_key: '包内公钥与登记的网关公钥不同 / the packet key is not the recorded gateway key',
  packet_signature: '整包签名无效：文件被改动 / the packet signature does not verify: the file was altered',
  head_signature: '链头签名无效 / the chain head signature does not verify',
  segment: '链段断裂 / the chain segment is broken',
  event: '事件与其链接不符 / an event does not match its link',
  incident: '档案摘要与事件不符 / the incident summary does not follow from its events',
  timeline: '时间线与事件不符 / the timeline does not follow from the events',
};

function fail(v: PacketVerdict, code: PacketProblem, detail = ''): PacketVerdict {
  return { ...v, ok: false, problem: { code, message: MESSAGES[code] + (detail ? `: ${detail}` : '') } };
}

export function verifyPacket(json: unknown, recordedKey?: KeyObject): PacketVerdict {
  let v: PacketVerdict = { ok: false, events: 0, segmentRows: 0 };
  const parsed = IncidentPacket.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(v, 'format', `${issue.path.join('.')}: ${issue.message}`);
  }
  const p = parsed.data;
  let key: KeyObject;
  try {
    key = createPublicKey(p.publicKey);
  } catch (err) {
    return fail(v, 'format', (err as Error).message);
  }
  const der = key.export({ format: 'der', type: 'spki' });
  v = { ...v, incident: p.incident.id, keyFingerprint: createHash('sha256').update(der).digest('hex') };
  if (recordedKey && !der.equals(recordedKey.export({ format: 'der', type: 'spki' }))) return fail(v, 'foreign_key');
  const { sig, ...unsigned } = p;
  if (!verify(null, Buffer.from(canonicalJson(unsigned)), key, Buffer.from(sig, 'base64')))
    return fail(v, 'packet_signature');
  if (!headSignatureValid(key, p.chain.head)) return fail(v, 'head_signature', `seq ${p.chain.head.seq}`);

  // the segment: each row links to the one before, and ends at the signed head
  const bySeq = new Map<number, { bodyHash: string; prev: string; hash: string }>();
  let prev = p.chain.prev;
  let lastSeq = 0;
  for (const [seq, at, node, kind, bodyHash, hash] of p.chain.rows) {
    if (seq <= lastSeq || linkHash(prev, { seq, at, node, kind, bodyHash }) !== hash)
      return fail(v, 'segment', `seq ${seq}`);
    bySeq.set(seq, { bodyHash, prev, hash });
    prev = hash;
    lastSeq = seq;
  }
  v = { ...v, segmentRows: p.chain.rows.length, headSeq: p.chain.head.seq };
  if (lastSeq !== p.chain.head.seq || prev !== p.chain.head.hash)
    return fail(v, 'segment', `不止于签名链头 / does not end at the signed head ${p.chain.head.seq}`);

  // each event: its body is the one the chain linked, where the chain linked it
  const events: DecidedEvent[] = [];
  for (const e of p.events) {
    const link = bySeq.get(e.seq);
    if (!link || link.bodyHash !== sha256Hex(e.body) || link.prev !== e.prevHash || link.hash !== e.hash)
      return fail(v, 'event', `seq ${e.seq}`);
    const event = JSON.parse(e.body) as DecidedEvent;
    if (event.seq !== e.seq) return fail(v, 'event', `seq ${e.seq}`);
    events.push(event);
  }
  v = { ...v, events: events.length };

  // the summary and the timeline follow from the events
  let incident: Incident | undefined;
  const steps: IncidentStep[] = [];
  for (const [i, e] of events.entries()) {
    const applied = applyEvent(incident, e);
    if (!applied || applied.step !== p.events[i].step) return fail(v, 'incident', `seq ${e.seq}`);
    incident = applied.incident;
    steps.push(applied.step);
  }
  if (!incident || canonicalJson(incident) !== canonicalJson(p.incident)) return fail(v, 'incident');
  if (canonicalJson(responseFigures(incident)) !== canonicalJson(p.figures)) return fail(v, 'incident', 'figures');
  const timeline = timelineOf(p.events.map((e, i) => ({ ...e, step: steps[i], event: events[i] })));
  if (canonicalJson(timeline) !== canonicalJson(p.timeline)) return fail(v, 'timeline');
  return { ...v, ok: true };
}
