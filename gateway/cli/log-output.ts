import pino, { type Logger } from 'pino';
import { UsageError } from '../../errors/usage-error.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { HumanLog } from './human-log.ts';

/**
 * `--log human|json`: readable lines on a terminal, JSON (pino's) for a service manager or a
 * pipe. Without the option, a TTY gets human lines and anything else JSON.
 */
export function logOutput(
  format: string | undefined,
  config: GatewayConfig,
  out: NodeJS.WriteStream = process.stdout,
): { logger?: Logger; human?: HumanLog } {
  const chosen = format ?? (out.isTTY ? 'human' : 'json');
  if (chosen !== 'human' && chosen !== 'json')
    throw new UsageError(`--log 只能是 human 或 json / --log must be human or json (got ${chosen})`);
  // json: the gateway makes its own pino logger on stdout, as before
  if (chosen === 'json') return {};
  const human = new HumanLog({ write: (text) => out.write(text), color: Boolean(out.isTTY && out.hasColors?.()) });
  return { human, logger: pino({ level: config.log.level, base: { gw: config.gatewayId } }, human) };
}
