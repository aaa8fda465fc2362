import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlLine } from './control-line.ts';
import { espruinoBin } from './espruino-bin.ts';

/**
 * One real Espruino interpreter (Linux build) in its own temp folder, whose Storage is the file
 * `espruino.flash` there. Start: the files the test names are written into Storage (the prelude
 * as `.boot0`, the node script as `.bootcde`, its config as `pw.cfg`), then the interpreter
 * starts with no script and boots from Storage as a board does after a reset: .boot0, then
 * .bootcde, then E.on('init'). The test reads the console line by line and runs code on the
 * board over the prelude's control socket (a bare board, without the prelude, over the console).
 *
 *   const esp = await Interpreter.start({ script, config: JSON.stringify(node) });
 *   await esp.waitFor(/"kind":"hello"/, 'hello');
 *   esp.type('PW.a.D34 = 0.3');            // drive an input
 *   await esp.eval('process.memory().usage');
 *   await esp.restart();                  // SIGKILL, then boot again from the same Storage
 *   await esp.dispose();
 *
 * Espruino ignores SIGTERM and spins on a closed stdin, so the interpreter keeps its stdin
 * open and is always ended with SIGKILL (its whole process group).
 */
export interface StartOptions {
  /** the node script, written as `.bootcde` (none: a board with only the prelude) */
  script?: string;
  /** text of `pw.cfg` (the node config); UTF-8, as the flash writes it */
  config?: string;
  /** more Storage files, name -> text (UTF-8) */
  storage?: Record<string, string>;
  /** serve the console on TCP 2323 as well (`espruino --telnet`); one at a time per machine */
  telnet?: boolean;
  /** UARTs pointed at device paths, e.g. { Serial2: '/tmp/x/node' } */
  uarts?: Record<string, string>;
  /** extra lines for the prelude, run before the node script on every boot */
  preludeExtra?: string;
  /** without the prelude (to measure its cost or probe the bare interpreter) */
  bare?: boolean;
  /**
   * Run the interpreter's clock this many times faster than real time, under Debian's
   * `faketime` (libfaketime: getTime, timers and sleeps alike), e.g. an hour of running in two
   * minutes. Not with telnet.
   */
  speed?: number;
}

const HERE = import.meta.dirname;
/** The telnet port is fixed at 2323 in this build: interpreters with --telnet take this lock in turn. */
const TELNET_LOCK = join(tmpdir(), 'parkwatch-espruino-telnet.lock');

export function preludeText(o: Pick<StartOptions, 'uarts' | 'preludeExtra'> = {}, controlPort?: number): string {
  let text = readFileSync(join(HERE, 'prelude.js'), 'utf8');
  if (controlPort !== undefined) text += `PW.ctl(${controlPort});\n`;
  for (const [uart, path] of Object.entries(o.uarts ?? {})) text += `PW.uart(${uart}, ${JSON.stringify(path)});\n`;
  return text + (o.preludeExtra ?? '');
}

export class Interpreter {
  readonly lines: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private partial = '';
  private waiters: (() => void)[] = [];
  private evals = 0;
  private control: ControlLine | undefined;

  private constructor(
    readonly dir: string,
    private telnet: boolean,
    private controlPort: number | undefined,
    private speed: number | undefined,
  ) {}

  static async start(o: StartOptions = {}): Promise<Interpreter> {
    const dir = mkdtempSync(join(tmpdir(), 'pw-espruino-'));
    mkdirSync(join(dir, 'node_modules'));
    copyFileSync(join(HERE, 'Wifi.js'), join(dir, 'node_modules', 'Wifi.js'));
    const controlPort = o.bare ? undefined : await ControlLine.freePort();
    const files: Record<string, string> = {};
    if (!o.bare) files['.boot0'] = preludeText(o, controlPort);
    if (o.script !== undefined) files['.bootcde'] = o.script;
    if (o.config !== undefined) files['pw.cfg'] = o.config;
    Object.assign(files, o.storage ?? {});
    const esp = new Interpreter(dir, o.telnet === true, controlPort, o.speed);
    await esp.writeStorage(files);
    await esp.boot();
    return esp;
  }

  /** Writes files into Storage with a one-off interpreter run (the board's flash, before boot). */
  private async writeStorage(files: Record<string, string>): Promise<void> {
    const names = Object.keys(files);
    mkdirSync(join(this.dir, 'prep'), { recursive: true });
    const lines = ['var S = require("Storage"), fs = require("fs");'];
    names.forEach((name, i) => {
      writeFileSync(join(this.dir, 'prep', String(i)), files[name], 'utf8');
      lines.push(`S.write(${JSON.stringify(name)}, fs.readFileSync("prep/${i}"));`);
    });
    lines.push('print("PW-PREP-DONE");');
    writeFileSync(join(this.dir, 'prep.js'), lines.join('\n'));
    this.run(['prep.js'], false);
    await this.waitFor(/^PW-PREP-DONE/, 'Storage written');
    await this.kill();
    rmSync(join(this.dir, 'prep'), { recursive: true, force: true });
    this.lines.length = 0;
  }

  private run(args: string[], telnet: boolean): void {
    const bin = espruinoBin();
    const [cmd, argv] = telnet
      ? ['flock', [TELNET_LOCK, bin, '--telnet', ...args]]
      : this.speed !== undefined && args.length === 0
        ? ['faketime', ['-f', `+0 x${this.speed}`, bin]]
        : [bin, args];
    const child = spawn(cmd, argv, { cwd: this.dir, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    const onData = (chunk: Buffer) => this.take(chunk.toString('latin1'));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Boots from Storage (as after a reset), with the console on stdin/stdout. */
  private async boot(): Promise<void> {
    this.run([], this.telnet);
    if (this.controlPort !== undefined) this.control = new ControlLine(this.controlPort);
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      // the REPL's prompt and erase-line codes come before printed lines
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the terminal codes it removes
      const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, '').replace(/^>+/, '');
      this.lines.push(line);
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Everything the console printed, one string (for failure messages). */
  output(): string {
    return this.lines.join('\n');
  }

  /** The number of lines so far: pass it to waitFor to look only at what comes after. */
  mark(): number {
    return this.lines.length;
  }

  /** Resolves with the first console line from `from` on that matches; rejects after timeoutMs. */
  waitFor(match: RegExp | ((line: string) => boolean), what: string, from = 0, timeoutMs = 20_000): Promise<string> {
    const test = typeof match === 'function' ? match : (l: string) => match.test(l);
    return new Promise((resolve, reject) => {
      let seen = from;
      const timer = setTimeout(() => {
        reject(new Error(`Espruino: no ${what} within ${timeoutMs} ms; console:\n${this.output().slice(-3000)}`));
      }, timeoutMs);
      const look = () => {
        for (; seen < this.lines.length; seen++) {
          if (test(this.lines[seen])) {
            clearTimeout(timer);
            resolve(this.lines[seen]);
            return;
          }
        }
        this.waiters.push(look);
      };
      look();
    });
  }

  /** Runs one line on the board without waiting (also for lines that end in load()). */
  type(code: string): void {
    if (this.control) this.control.fire(code);
    else this.child?.stdin?.write(`\x10${code}\n`);
  }

  /** Runs a line and resolves once the interpreter has run it. */
  async exec(code: string, timeoutMs = 20_000): Promise<void> {
    await this.eval(`(function(){${code}})()`, timeoutMs);
  }

  /** Evaluates an expression in the interpreter and returns its value (through JSON). */
  async eval<T = unknown>(expr: string, timeoutMs = 20_000): Promise<T> {
    if (this.control) return this.control.run<T>(expr, expr, timeoutMs);
    // a bare board has only its console: one line typed at an idle moment, echo off (DLE)
    const tag = `PW-EVAL-${++this.evals} `;
    const from = this.mark();
    this.type(`print(${JSON.stringify(tag)}+JSON.stringify(${expr}))`);
    const line = await this.waitFor((l) => l.startsWith(tag), `answer to ${expr}`, from, timeoutMs);
    const body = line.slice(tag.length);
    return (body === 'undefined' || body === '' ? undefined : JSON.parse(body)) as T;
  }

  /** JsVars in use (process.memory() collects garbage first). */
  memory(): Promise<number> {
    return this.eval<number>('process.memory().usage');
  }

  /** SIGKILL to the interpreter's process group (a board's power cut). */
  async kill(): Promise<void> {
    this.control?.close();
    this.control = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
  }

  /** Power cut, then a boot from the same Storage; `telnet` may change (default: as before). */
  async restart(telnet = this.telnet): Promise<void> {
    await this.kill();
    this.telnet = telnet;
    this.lines.length = 0;
    this.partial = '';
    await this.boot();
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
