import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../../errors/usage-error.ts';
import { option } from '../cli/gateway-command.ts';
import { loadConfig, validateConfig } from '../config/load.ts';
import { OpsError } from './ops-errors.ts';
import { DEFAULTS, SERVICE_NAME, unitText } from './service-unit.ts';

/**
 * `parkwatch service install|uninstall [--config FILE] [--user NAME] [--dry-run] [--root DIR]`.
 * install: the system user, /etc/parkwatch/gateway.yaml (the annotated example when absent, with
 * dataDir /var/lib/parkwatch; then enabled but not started until it is edited), the unit, then
 * `systemctl enable --now`. `--dry-run` prints the
 * unit and changes nothing; `--root DIR` writes the files under DIR (an image being built) and
 * runs neither useradd nor systemctl. uninstall stops and removes the unit, keeps config and data.
 */
const ENTRY = resolve(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
const EXAMPLE = resolve(import.meta.dirname, '..', 'example-config.yaml');

export async function runServiceCommand(args: string[]): Promise<number> {
  const [verb] = args;
  const configFile = option(args, '--config') ?? DEFAULTS.configFile;
  const user = option(args, '--user') ?? DEFAULTS.user;
  const root = option(args, '--root');
  const dryRun = args.includes('--dry-run');
  const at = (path: string) => (root ? join(root, path) : path);
  try {
    if (verb === 'install') return install({ configFile, user, root, dryRun, at });
    if (verb === 'uninstall') return uninstall({ root, dryRun, at });
  } catch (err) {
    if (!(err instanceof OpsError)) throw err;
    console.error(`失败 / failed [${err.code}]: ${err.reason}\n  怎么办 / what to do: ${err.todo}`);
    return 1;
  }
  throw new UsageError('service install | uninstall');
}

interface Where {
  root: string | undefined;
  dryRun: boolean;
  at: (path: string) => string;
}

function install(o: Where & { configFile: string; user: string }): number {
  const configPath = o.at(o.configFile);
  const fresh = !existsSync(configPath);
  // no config yet: the annotated example with the system data folder, which the unit is then made for
  const config = fresh
    ? validateConfig({ ...loadConfig(EXAMPLE), dataDir: DEFAULTS.dataDir }, EXAMPLE)
    : loadConfig(configPath);
  const dataDir = config.dataDir;
  if (!isAbsolute(dataDir))
    throw new OpsError(
      'relative_data_dir',
      `${o.configFile} 的 dataDir 是相对路径 ${dataDir} / dataDir in ${o.configFile} is relative: ${dataDir}`,
      `服务需要绝对路径，例如 dataDir: ${DEFAULTS.dataDir} / a service needs an absolute path, e.g. dataDir: ${DEFAULTS.dataDir}`,
    );
  const unit = unitText({
    node: process.execPath,
    entry: ENTRY,
    configFile: o.configFile,
    dataDir,
    user: o.user,
    serial: config.serial.length > 0,
    watchdogS: DEFAULTS.watchdogS,
  });
  if (o.dryRun) {
    process.stdout.write(unit);
    return 0;
  }
  if (!o.root) assertCanInstall();
  if (fresh) {
    mkdirSync(dirname(configPath), { recursive: true, mode: 0o750 });
    const text = readFileSync(EXAMPLE, 'utf8').replace(/^dataDir: \S+/m, `dataDir: ${DEFAULTS.dataDir}`);
    writeFileSync(configPath, text, { mode: 0o640 });
    console.log(`已写入示例配置 / wrote the example config: ${configPath} — 编辑后再启动 / edit it, then start`);
  }
  const unitPath = o.at(join('/etc/systemd/system', SERVICE_NAME));
  mkdirSync(dirname(unitPath), { recursive: true });
  writeFileSync(unitPath, unit, { mode: 0o644 });
  console.log(`已写入 / wrote ${unitPath}`);
  if (o.root) return 0;
  if (!userExists(o.user))
    execFileSync('useradd', [
      '--system',
      '--home-dir',
      dataDir,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      o.user,
    ]);
  // systemd makes /var/lib/parkwatch (StateDirectory); another dataDir must exist before the namespace is set up
  if (dataDir !== DEFAULTS.dataDir && !existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    execFileSync('chown', [`${o.user}:${o.user}`, dataDir]);
  }
  // the service reads its config through the group: /etc/parkwatch 0750 and the file 0640, root-owned
  execFileSync('chgrp', [o.user, dirname(o.configFile), o.configFile]);
  execFileSync('systemctl', ['daemon-reload'], { stdio: 'inherit' });
  if (fresh) {
    execFileSync('systemctl', ['enable', SERVICE_NAME], { stdio: 'inherit' });
    console.log(`编辑 ${o.configFile} 后 / after editing ${o.configFile}: systemctl start parkwatch`);
  } else {
    execFileSync('systemctl', ['enable', '--now', SERVICE_NAME], { stdio: 'inherit' });
    console.log(`已启动 / started: journalctl -u parkwatch -f ; parkwatch doctor --config ${o.configFile}`);
  }
  return 0;
}

function uninstall(o: Where): number {
  const unitPath = o.at(join('/etc/systemd/system', SERVICE_NAME));
  if (o.dryRun) {
    console.log(`systemctl disable --now ${SERVICE_NAME}; rm ${unitPath}`);
    return 0;
  }
  if (!o.root) {
    assertCanInstall();
    execFileSync('systemctl', ['disable', '--now', SERVICE_NAME], { stdio: 'inherit' });
  }
  rmSync(unitPath, { force: true });
  if (!o.root) execFileSync('systemctl', ['daemon-reload'], { stdio: 'inherit' });
  console.log(
    `已移除 / removed ${unitPath}；配置与数据保留 / config and data are kept (/etc/parkwatch, ${DEFAULTS.dataDir})`,
  );
  return 0;
}

function assertCanInstall(): void {
  if (process.getuid?.() !== 0)
    throw new OpsError('not_root', '需要 root 权限 / needs root', 'sudo parkwatch service install');
  if (!existsSync('/run/systemd/system'))
    throw new OpsError(
      'no_systemd',
      '本机不是由 systemd 管理的 / this machine is not run by systemd',
      '用 --dry-run 看单元文件，按 docs/operations.md 手动安装 / see the unit with --dry-run and install by hand (docs/operations.md)',
    );
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
