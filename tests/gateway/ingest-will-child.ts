/**
 * Child process for the crash test in ingest-mqtt-external.test.ts: an ExternalMqttIngest that
 * publishes its online state, says "ready" on stdout, and waits to be SIGKILLed.
 * Arguments: broker URL, username, password.
 */
import pino from 'pino';
import { ExternalMqttIngest } from '../../gateway/ingest/external-broker.ts';

const [url, username, password] = process.argv.slice(2);
const ingest = new ExternalMqttIngest({
  url,
  username,
  password,
  clientId: 'parkwatch-crash-test',
  gw: 'gw9',
  park: 'park1',
  ctx: { onLink: () => {}, count: () => {}, log: pino({ level: 'silent' }) },
});
await ingest.start(() => {});
while (!ingest.connected) await new Promise((r) => setTimeout(r, 10));
ingest.publisher.publishGatewayState({ gw: 'gw9', park: 'park1', state: 'online', since: Date.now() });
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
