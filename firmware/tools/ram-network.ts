import mqttPacket from 'mqtt-packet';
import type { Clock } from '../hal.ts';

/** Espruino keeps an object's event listeners as "#on<event>" properties; its methods live on built-in prototypes. */
function emitter(): { [k: string]: unknown } {
  const o: { [k: string]: unknown } = {};
  Object.defineProperty(o, 'on', {
    enumerable: false,
    value: (e: string, fn: unknown) => {
      o['#on' + e] = fn;
    },
  });
  return o;
}

/**
 * Espruino's `Wifi` and `net` modules for the RAM estimate of an MQTT node, played on the virtual
 * clock: Wi-Fi connects at once and the socket answers like a broker (CONNACK, SUBACK, PUBACK,
 * PINGRESP), so the node is counted in its steady state, connected, with its socket and listeners.
 */
export function brokerModules(clock: Clock): { Wifi: unknown; net: unknown; wifi: { [k: string]: unknown } } {
  const wifi = emitter();
  const define = (o: object, k: string, value: unknown) => Object.defineProperty(o, k, { enumerable: false, value });
  define(wifi, 'connect', () => {
    clock.setTimeout(() => (wifi['#onconnected'] as () => void)(), 0);
  });
  define(wifi, 'getDetails', (cb: (d: { rssi: number }) => void) => cb({ rssi: -60 }));
  const net = {
    connect: (_o: unknown, onConnect: () => void) => {
      const sock = emitter();
      const reply = (bytes: string) => clock.setTimeout(() => (sock['#ondata'] as (d: string) => void)(bytes), 0);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on('packet', (p) => {
        if (p.cmd === 'connect') reply('\x20\x02\x00\x00');
        else if (p.cmd === 'subscribe') reply('\x90\x03\x00\x01\x01');
        else if (p.cmd === 'publish' && p.qos > 0) {
          reply(mqttPacket.generate({ cmd: 'puback', messageId: p.messageId }).toString('latin1'));
        } else if (p.cmd === 'pingreq') reply('\xd0\x00');
      });
      define(sock, 'write', (d: string) => parser.parse(Buffer.from(d, 'latin1')));
      define(sock, 'end', () => {});
      // Espruino keeps the connect callback as the socket's "connect" listener
      sock['#onconnect'] = onConnect;
      clock.setTimeout(onConnect, 0);
      return sock;
    },
  };
  return { Wifi: wifi, net: net, wifi: wifi };
}
