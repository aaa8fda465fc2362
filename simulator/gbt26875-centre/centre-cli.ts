import { UsageError } from '../../errors/usage-error.ts';
import { GbtCentre } from './centre.ts';

/** `parkwatch sim gbt-centre [--port N] [--host H]`: a monitoring-centre peer printing each frame as a JSON line. */
export async function runCentre(args: string[]): Promise<number> {
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = Number(value('--port') ?? 9000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port 0..65535');
  const centre = new GbtCentre({
    host: value('--host') ?? '127.0.0.1',
    onFrame: (r) => console.log(JSON.stringify(r)),
  });
  const bound = await centre.start(port);
  // listen for the stop signal before saying we listen: a supervisor may stop us at once
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.error(`监控中心模拟已监听 / centre peer listening on ${value('--host') ?? '127.0.0.1'}:${bound}`);
  await stopped;
  await centre.stop();
  console.error(
    `收到 ${centre.received.length} 帧，重复 ${centre.duplicates}，否认 ${centre.denied} / received, duplicates, denied`,
  );
  return 0;
}
