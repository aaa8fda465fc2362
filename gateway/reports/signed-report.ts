import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from '../../protocol/canonical.ts';
import { TOPIC_ROOT } from '../../protocol/topics.ts';

/**
 * A report as the cloud receives it: the report, and an Ed25519 signature by the gateway's
 * key over its canonical JSON, with the public key (SPKI DER, base64) and its SHA-256, so a
 * receiver that recorded the key (`parkwatch log pubkey`) checks it offline.
 */
export interface SignedReport<T> {
  report: T;
  signature: { alg: 'Ed25519'; sig: string; publicKey: string; keySha256: string };
}

export function signReport<T>(report: T, key: KeyObject): SignedReport<T> {
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    report,
    signature: {
      alg: 'Ed25519',
      sig: sign(null, Buffer.from(canonicalJson(report)), key).toString('base64'),
      publicKey: publicKey.toString('base64'),
      keySha256: createHash('sha256').update(publicKey).digest('hex'),
    },
  };
}

/** True when the signature is good for this public key (the one the receiver recorded). */
export function verifyReport(signed: SignedReport<unknown>, key: KeyObject): boolean {
  return verify(null, Buffer.from(canonicalJson(signed.report)), key, Buffer.from(signed.signature.sig, 'base64'));
}

/** Retained topic of a monthly report: the park's, or one enterprise's (its name URI-encoded). */
export function monthlyReportTopic(park: string, gw: string, month: string, enterprise?: string): string {
  const base = `${TOPIC_ROOT}/park/${park}/gw/${gw}/report/monthly/${month}`;
  return enterprise === undefined ? base : `${base}/${encodeURIComponent(enterprise)}`;
}
