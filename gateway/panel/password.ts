import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes with scrypt (node:crypto). Stored as `scrypt$N$r$p$salt$hash` (hex) so the
 * cost can be raised later without breaking old hashes.
 */
const N = 16384;
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('hex'), key.toString('hex')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const expected = Buffer.from(parts[5], 'hex');
  if (!n || !r || !p || expected.length !== KEY_BYTES) return false;
  const key = await derive(password, Buffer.from(parts[4], 'hex'), n, r, p);
  return timingSafeEqual(key, expected);
}

/** A hash of nothing anyone can type: verifying against it costs the same time as a real user. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${'00'.repeat(16)}$${'00'.repeat(KEY_BYTES)}`;

/** Rules for new passwords: long enough to resist guessing on a LAN. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 10) return '密码至少 10 个字符 / password must be at least 10 characters';
  if (password.length > 200) return '密码最多 200 个字符 / password must be at most 200 characters';
  return undefined;
}
