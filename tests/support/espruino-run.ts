import { Interpreter } from '../espruino/harness/interpreter.ts';

/** Runs a script on a fresh interpreter without the board prelude and gives what it printed. */
export async function runEspruinoScript(script: string): Promise<string> {
  const esp = await Interpreter.start({ bare: true, script: `${script}\nprint("PW-SCRIPT-DONE");` });
  try {
    await esp.waitFor(/^PW-SCRIPT-DONE/, 'end of the script');
    return esp.output();
  } finally {
    await esp.dispose();
  }
}
