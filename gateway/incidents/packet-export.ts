import { createPublicKey, type KeyObject, sign } from 'node:crypto';
import { canonicalJson } from '../../protocol/canonical.ts';
import { sha256Hex } from '../store/chain.ts';
import type { Db } from '../store/database.ts';
import { responseFigures } from './incident.ts';
import { getIncident, incidentEvents } from './incident-queries.ts';
import { type IncidentPacket, PACKET_FORMAT, type SegmentRow } from './packet.ts';
import { timelineOf } from './timeline.ts';

/** Builds an incident's evidence packet from the gateway's database (read-only is enough) and signs it. */
export class PacketExportError extends Error {
  constructor(
    readonly code: 'unknown_incident' | 'not_in_log' | 'unsigned',
    message: string,
  ) {
    super(message);
  }
}

export function exportPacket(db: Db, id: string, key: KeyObject, now: number): IncidentPacket {
  // one read transaction: the gateway's commits meanwhile are not half-seen
  return db.transaction(() => build(db, id, key, now))();
}

function build(db: Db, id: string, key: KeyObject, now: number): IncidentPacket {
  const incident = getIncident(db, id);
  if (!incident) throw new PacketExportError('unknown_incident', `没有此事件档案 / no incident ${id}`);
  const rows = incidentEvents(db, id);
  const events = rows.map((r) => {
    if (r.body === null || r.event === null || r.prevHash === null || r.hash === null)
      throw new PacketExportError(
        'not_in_log',
        `事件 ${r.seq} 不在日志中或无链字段（已归档？）/ event ${r.seq} is not in the log or has no chain link (archived?)`,
      );
    return { ...r, body: r.body, event: r.event, prevHash: r.prevHash, hash: r.hash };
  });
  const first = events[0].seq;
  const last = events[events.length - 1].seq;
  const head = db
    .prepare('SELECT seq, hash, signed_at AS signedAt, sig FROM chain_heads WHERE seq >= ? ORDER BY seq LIMIT 1')
    .get(last) as IncidentPacket['chain']['head'] | undefined;
  if (!head)
    throw new PacketExportError(
      'unsigned',
      `尚无签名链头覆盖事件 ${last}：网关每 1000 个事件或 60 秒（有提交时）及停止时签名，请稍后再导出 / ` +
        `no signed head covers event ${last} yet: the gateway signs every 1,000 events or 60 s (at a commit) and at a stop; export again later`,
    );
  const segment = db
    .prepare(
      `SELECT seq, at, node, kind, body, NULL AS bodyHash, hash FROM events WHERE seq BETWEEN ? AND ?
       UNION ALL SELECT seq, at, node, kind, NULL, body_hash, hash FROM event_tombstones WHERE seq BETWEEN ? AND ?
       ORDER BY seq`,
    )
    .all(first, head.seq, first, head.seq) as {
    seq: number;
    at: number;
    node: string | null;
    kind: string;
    body: string | null;
    bodyHash: string | null;
    hash: string;
  }[];
  const unsigned: Omit<IncidentPacket, 'sig'> = {
    format: PACKET_FORMAT,
    exportedAt: now,
    gw: events[0].event.gw,
    park: events[0].event.park,
    incident,
    figures: responseFigures(incident),
    timeline: timelineOf(events),
    events: events.map((e) => ({
      seq: e.seq,
      step: e.step,
      storedAt: e.storedAt,
      forwardedAt: e.forwardedAt,
      body: e.body,
      prevHash: e.prevHash,
      hash: e.hash,
    })),
    chain: {
      prev: events[0].prevHash,
      rows: segment.map(
        (r): SegmentRow => [
          r.seq,
          r.at,
          r.node,
          r.kind,
          r.body === null ? (r.bodyHash ?? '') : sha256Hex(r.body),
          r.hash,
        ],
      ),
      head,
    },
    publicKey: createPublicKey(key).export({ format: 'pem', type: 'spki' }) as string,
  };
  return { ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), key).toString('base64') };
}
