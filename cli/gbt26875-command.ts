import { readFileSync } from 'node:fs';
import { UsageError } from '../errors/usage-error.ts';
import { GbtError } from '../protocol/gbt26875/errors.ts';
import { decodeToJson, jsonToFrame } from '../protocol/gbt26875/json.ts';

/**
 * `parkwatch gbt26875 decode HEX` prints a GB/T 26875.3 frame as JSON, exit 1 with the reason
 * when the frame is bad; `parkwatch gbt26875 encode [JSON]` (or JSON on stdin) prints the hex.
 */
const REASONS: Record<string, string> = {
  short: '帧太短 / frame too short',
  start: '起始符不是 @@ / start bytes are not 40 40',
  end: '结束符不是 ## / end bytes are not 23 23',
  length: '长度与应用数据单元不符 / length field does not match the data',
  oversize: '应用数据单元超过 1024 字节 / application data over 1024 bytes',
  checksum: '校验和错误 / checksum mismatch',
  command: '未知命令字节 / unknown command byte',
  time: '时间标签无效 / invalid time label',
  data: '应用数据单元无法解析 / application data does not parse',
  field: '字段超出范围 / a field is out of range',
};

function explain(err: unknown): string {
  if (err instanceof GbtError) return `${REASONS[err.code]}: ${err.message}`;
  return (err as Error).message;
}

export async function runGbt26875Command(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'decode') {
    const text = rest.join('').replace(/\s+/g, '');
    if (!text) throw new UsageError('需要十六进制帧 / a frame in hex is required');
    if (!/^([0-9a-fA-F]{2})+$/.test(text)) {
      console.error('不是十六进制 / not hex');
      return 1;
    }
    try {
      console.log(JSON.stringify(decodeToJson(Buffer.from(text, 'hex')), null, 2));
      return 0;
    } catch (err) {
      console.error(`帧无效 / bad frame: ${explain(err)}`);
      return 1;
    }
  }
  if (verb === 'encode') {
    const text = rest.length > 0 ? rest.join(' ') : readFileSync(0, 'utf8');
    try {
      console.log(jsonToFrame(JSON.parse(text)).toString('hex'));
      return 0;
    } catch (err) {
      console.error(`无法编码 / cannot encode: ${explain(err)}`);
      return 1;
    }
  }
  throw new UsageError(`未知子命令 / unknown sub-command: ${verb ?? ''}`);
}
