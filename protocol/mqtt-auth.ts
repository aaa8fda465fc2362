import { binaryToHex, hexToBinary, hmacSha256, type Sha256 } from './hmac.ts';

/**
 * The MQTT password of a node on the local broker, derived from its own key so nothing extra
 * is provisioned: hex of HMAC-SHA256(key, "pw-mqtt") cut to 16 bytes. The username and the
 * client id are the node id. The node computes it on boot; the gateway's embedded broker
 * recomputes it from the registry; for an external broker the operator exports it.
 * Espruino-safe (firmware imports it).
 */
export const MQTT_PASSWORD_LABEL = 'pw-mqtt';
export const MQTT_PASSWORD_BYTES = 16;

/** Returns undefined when `keyHex` is not a hex string. */
export function mqttPassword(sha256: Sha256, keyHex: string): string | undefined {
  const key = hexToBinary(keyHex);
  if (key === undefined || key.length === 0) return undefined;
  return binaryToHex(hmacSha256(sha256, key, MQTT_PASSWORD_LABEL).substr(0, MQTT_PASSWORD_BYTES));
}
