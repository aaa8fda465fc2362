import { FlashError } from './errors.ts';
import { quietly } from './espruino-tools.ts';
import { flash } from './flash.ts';
import { parseFlashArgs } from './options.ts';
import { formatSummary } from './summary.ts';

const out = (line: string) => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(line + '\n');

/**
 * `parkwatch flash --port P --node node.json [--script FILE] [--timeout S] [--dry-run --out FILE]`.
 * Exit status: 0 commissioned (or dry run written), 1 a FlashError (printed in Chinese and
 * English, no stack trace), 2 a usage mistake (thrown as UsageError to the dispatcher).
 */
export async function runFlash(args: string[]): Promise<number> {
  const options = parseFlashArgs(args);
  try {
    // EspruinoTools prints its progress with console.log; only --verbose shows it
    const outcome = await quietly(options.verbose, () => flash(options, out));
    if (outcome.kind === 'dry-run') {
      out(
        `已写入 / wrote ${outcome.out}: ${outcome.plan.bytes.length} bytes, 连接握手之后要发给板子的全部字节 / every byte sent to the board after the connection handshake`,
      );
      return 0;
    }
    out(formatSummary(outcome.summary));
    if (outcome.error) {
      err(outcome.error.describe());
      out('结果 / result: ✗ 调试未通过 / commissioning FAILED');
      return 1;
    }
    const { config } = outcome.summary;
    out(
      '结果 / result: ✓ 调试通过，请在网关登记 (填写位置) / commissioned; register it in the gateway (fill in the place):',
    );
    out(
      `  npx parkwatch nodes add ${config.id} --key ${config.key} --channels ${config.channels.map((c) => c.name).join(',')} ` +
        '--enterprise "<企业 enterprise>" --site "<厂区 site>" --zone "<区域 zone>" --location "<位置 location>" --by "<安装人 installer>"',
    );
    return 0;
  } catch (e) {
    if (e instanceof FlashError) {
      err(e.describe());
      return 1;
    }
    throw e;
  }
}
