import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A board's Storage kept in a folder, one file per Storage name, so a simulated node keeps its
 * config and boot counter across runs (and an installer can look at them). Espruino names are
 * at most 28 characters of [A-Za-z0-9._-] in practice; anything else is refused.
 */
const NAME = /^[A-Za-z0-9._-]{1,28}$/;

export class FolderStorage extends Map<string, string> {
  constructor(private dir: string) {
    super();
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) if (NAME.test(f)) super.set(f, readFileSync(join(dir, f), 'latin1'));
  }

  override set(name: string, data: string): this {
    if (!NAME.test(name)) throw new Error(`Storage name not allowed: "${name}" / 存储文件名无效`);
    writeFileSync(join(this.dir, name), data, 'latin1');
    return super.set(name, data);
  }

  override delete(name: string): boolean {
    if (NAME.test(name)) rmSync(join(this.dir, name), { force: true });
    return super.delete(name);
  }
}
