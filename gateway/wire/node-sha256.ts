import { createHash } from 'node:crypto';
import type { Sha256 } from '../../protocol/hmac.ts';

/**
 * SHA-256 the way protocol/ takes it (protocol/hmac.ts `Sha256`): a binary string in, one char
 * per byte, and the digest out the same way, as Espruino's `require("crypto").SHA256` gives it.
 * protocol/ stays free of node:crypto so the same code runs on the board; every host-side
 * seal, verify and MQTT password goes through this one adapter.
 */
export const nodeSha256: Sha256 = (binary) => createHash('sha256').update(binary, 'latin1').digest().toString('latin1');
