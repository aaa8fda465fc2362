import { parse } from 'acorn';

/**
 * The script runs at Espruino's global scope (a function made there has no scope link: one JsVar
 * less per function than inside a wrapper), so its top-level names become globals. None may
 * replace an Espruino built-in: the interpreter's objects, the pin names, or a standard global.
 */
const ESPRUINO = new Set([
  'E',
  'require',
  'global',
  'process',
  'console',
  'print',
  'load',
  'save',
  'reset',
  'Pin',
  'Serial',
  'Serial1',
  'Serial2',
  'Serial3',
  'USB',
  'Wifi',
  'ESP32',
  'I2C',
  'I2C1',
  'SPI',
  'SPI1',
  'analogRead',
  'analogWrite',
  'digitalRead',
  'digitalWrite',
  'digitalPulse',
  'pinMode',
  'getPinMode',
  'setWatch',
  'clearWatch',
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'changeInterval',
  'getTime',
  'setTime',
  'peek8',
  'poke8',
  'edit',
  'dump',
  'trace',
  'echo',
  'LoopbackA',
  'LoopbackB',
  'Telnet',
]);
const PIN = /^(D\d+|A\d+|LED\d*|BTN\d*)$/;

/** Top-level names of `script` that would shadow an Espruino or standard global. */
export function globalCollisions(script: string): string[] {
  const standard = new Set(Object.getOwnPropertyNames(globalThis));
  // biome-ignore lint/suspicious/noExplicitAny: acorn's ESTree nodes are loosely typed
  const ast: any = parse(script, { ecmaVersion: 2020 });
  const names: string[] = [];
  for (const st of ast.body) {
    if ((st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') && st.id) names.push(st.id.name);
    if (st.type === 'VariableDeclaration') {
      for (const d of st.declarations) if (d.id.type === 'Identifier') names.push(d.id.name);
    }
  }
  return names.filter((n) => ESPRUINO.has(n) || PIN.test(n) || standard.has(n));
}
