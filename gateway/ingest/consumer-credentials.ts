import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Read-only credentials for local consumers of the embedded broker (Node-RED, panel, simulator
 * monitors). Config holds either a scrypt hash (preferred; make one with
 * `parkwatch mqtt hash-password`) or a plain password (for a lab).
 */
const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export const ConsumerCredential = z
  .object({
    username: z.string().min(1).max(64).describe('MQTT username of the consumer'),
    passwordHash: z
      .string()
      .regex(HASH, 'must look like scrypt$N$r$p$salt$hash: make one with `parkwatch mqtt hash-password`')
      .optional(),
    password: z.string().min(8, 'use at least 8 characters').optional(),
  })
  .strict()
  .refine((c) => (c.password === undefined) !== (c.passwordHash === undefined), {
    message: 'give exactly one of password or passwordHash / password 与 passwordHash 二选一',
  });
export type ConsumerCredential = z.infer<typeof ConsumerCredential>;

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashConsumerPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Checks consumer logins; unknown user and wrong password take the same path. */
export class ConsumerBook {
  private readonly byName = new Map<string, ConsumerCredential>();

  constructor(credentials: readonly ConsumerCredential[]) {
    for (const c of credentials) this.byName.set(c.username, c);
  }

  has(username: string): boolean {
    return this.byName.has(username);
  }

  async verify(username: string, password: string): Promise<boolean> {
    const entry = this.byName.get(username);
    if (!entry) return false;
    if (entry.password !== undefined) {
      const a = Buffer.from(entry.password);
      const b = Buffer.from(password);
      return a.length === b.length && timingSafeEqual(a, b);
    }
    const m = HASH.exec(entry.passwordHash ?? '');
    if (!m) return false;
    const expected = Buffer.from(m[5], 'base64');
    const key = await derive(password, Buffer.from(m[4], 'base64'), Number(m[1]), Number(m[2]), Number(m[3]));
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
}
