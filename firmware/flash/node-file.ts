import { readFileSync } from 'node:fs';
import {
  configText,
  describeConfigErrors,
  NODE_CONFIG_FILE,
  type NodeConfig,
  type NodeConfigInput,
  NodeConfigSchema,
} from '../node-config-schema.ts';
import { FlashError } from './errors.ts';

/** A node file that passed the firmware's own schema, and the exact text that goes into Storage. */
export interface NodeFile {
  path: string;
  /** with every default filled in: what the node will run */
  config: NodeConfig;
  /** JSON of the file as given, written to Storage and hashed by the node as its `cfh` */
  text: string;
  /** Storage file name the node reads its config from */
  storageName: string;
}

/** Reads and validates node.json before any port is touched. */
export function readNodeFile(path: string): NodeFile {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FlashError('node_file', {
      zh: `无法读取节点配置文件 ${path}`,
      en: `cannot read node file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      hint: '检查路径 / check the path given to --node',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(source);
  } catch (err) {
    throw new FlashError('node_file', {
      zh: `节点配置文件 ${path} 不是有效的 JSON`,
      en: `node file ${path} is not valid JSON: ${(err as Error).message}`,
      hint: '用编辑器检查逗号和引号 / check commas and quotes in an editor',
    });
  }
  const parsed = NodeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = describeConfigErrors(parsed.error);
    throw new FlashError('node_file', {
      zh: `节点配置文件 ${path} 有错误，未写入任何设备：${problems.join('; ')}`,
      en: `node file ${path} is invalid, nothing was written to the board: ${problems.join('; ')}`,
      hint: '按上面指出的字段修改后重试 / fix the named key(s) and run again',
    });
  }
  return { path, config: parsed.data, text: configText(raw as NodeConfigInput), storageName: NODE_CONFIG_FILE };
}
