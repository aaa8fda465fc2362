import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { GatewayConfig } from '../config/schema.ts';

/** The MQTT.js TLS options of the cloud config's files; throws naming the file it cannot read. */
export function cloudTlsOptions(tls: GatewayConfig['cloud']['tls']): Partial<IClientOptions> {
  const read = (file: string | undefined, what: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(
        `无法读取 cloud.tls.${what} 文件 / cannot read cloud.tls.${what} file ${file}: ${(err as Error).message}`,
      );
    }
  };
  return {
    ca: read(tls.ca, 'ca'),
    cert: read(tls.cert, 'cert'),
    key: read(tls.key, 'key'),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}
