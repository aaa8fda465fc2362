import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The gateway's own Ed25519 key, which signs the event chain's heads. Made at first start in
 * the data dir (PKCS#8 PEM, mode 0600 from the first byte); the public half is what an insurer
 * or bureau records to check the log later (`parkwatch log pubkey`).
 */
export const KEY_FILE = 'gateway-ed25519.pem';

export class GatewayKeyError extends Error {
  readonly code = 'GATEWAY_KEY';
}

/** Loads the key, creating it when the data dir has none. 'wx' so two starting processes never both write it. */
export function loadOrCreateGatewayKey(dataDir: string): KeyObject {
  const file = join(dataDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
      closeSync(fd);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readPrivate(file);
}

/** The public key of a data dir's gateway; throws when the gateway never started there. */
export function readGatewayPublicKey(dataDir: string): KeyObject {
  return createPublicKey(readGatewayPrivateKey(dataDir));
}

/** The private key of a data dir's gateway (an export signed on the gateway's machine); throws when there is none. */
export function readGatewayPrivateKey(dataDir: string): KeyObject {
  const file = join(dataDir, KEY_FILE);
  if (!existsSync(file))
    throw new GatewayKeyError(
      `没有网关密钥 ${file}：网关尚未在该数据目录启动过 / no gateway key ${file}: the gateway never started with this data dir`,
    );
  return readPrivate(file);
}

function readPrivate(file: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GatewayKeyError(`无法读取网关密钥 / cannot read the gateway key ${file}: ${(err as Error).message}`);
  }
}
