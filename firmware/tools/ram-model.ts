/**
 * The JsVar counting model of the RAM estimate (docs/firmware.md, "RAM"), after Espruino's storage
 * (src/jsvar.c, jsparse.c), conservative where unsure:
 *
 * - an object, array or function: 1 var; a class instance +1 for its prototype link
 * - each property or element: 1 name var; names over 4 chars need ceil((n - 4) / 12) more
 * - integers and booleans are packed into the name var; a float needs 1 more
 * - a string value: 1 var per 12 characters (at least 1)
 * - a function: +2 for its code (a flash string when run from .bootcde), +1 per parameter name,
 *   +1 scope link when it was made inside another function (not at global scope)
 * - a class: its constructor function, "prototype" (2) and the prototype object with its
 *   "constructor" link (3), and per method its name plus a function as above
 * - a closure made at run time also keeps the locals of the call that made it: ~4 per closure
 *   (closures made by one call share that scope, so two of them cover a call with ~8 locals)
 *
 * Two parts: the script's own top-level code, read from the built script (top-level functions,
 * classes with their methods, constants), and what a running node holds, walked from live objects
 * (classes made by a factory at run time are counted there, once per class, from the prototypes of
 * their live instances).
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';
import { parse } from 'acorn';
import ts from 'typescript';

// biome-ignore lint/suspicious/noExplicitAny: acorn's ESTree nodes are loosely typed
type AstNode = any;

const NAME_INLINE = 4;
const BLOCK = 12;
/** hidden children of every function: its code, a flash string when run from .bootcde */
export const FUNCTION_CODE = 2;
/** hidden child of a function made inside another function: the scope it runs in */
export const SCOPE_LINK = 1;
/** locals a run-time closure keeps alive (its scope var and ~3 names) */
export const CLOSURE_SCOPE = 4;
/** "prototype" name (2), the prototype object (1) and its "constructor" name (2) */
const CLASS_PROTOTYPE = 5;
/** an Espruino timer or pin watch entry: an object with time/interval or pin, options and the callback link */
export const TIMER_ENTRY = 4;
/** a built-in function kept as a value (`o.f = setTimeout`): one var holding its pointer and argument spec */
export const NATIVE_FUNCTION = 1;

export function nameVars(name: string, short: Set<string>): number {
  if (short.has(name)) return 1;
  return 1 + (name.length > NAME_INLINE ? Math.ceil((name.length - NAME_INLINE) / BLOCK) : 0);
}

export function stringVars(s: string): number {
  return Math.max(1, Math.ceil(s.length / BLOCK));
}

/** A function: its var, code, parameter names and, when made inside a function, its scope link. */
export function functionVars(params: number, nested: boolean): number {
  return 1 + FUNCTION_CODE + params + (nested ? SCOPE_LINK : 0);
}

export interface ClassShape {
  ctorParams: number;
  /** method (or accessor) names and their parameter counts */
  methods: { name: string; params: number }[];
}

export function classVars(c: ClassShape, nested: boolean, short: Set<string>): number {
  let n = functionVars(c.ctorParams, nested) + CLASS_PROTOTYPE;
  for (const m of c.methods) n += nameVars(m.name, short) + functionVars(m.params, nested);
  return n;
}

// --- the built script's own top-level code ---

export interface ScriptCount {
  total: number;
  /** vars per source module (file name) */
  modules: Map<string, number>;
  /** counts for the report */
  names: number;
  functions: number;
  classes: number;
  methods: number;
  params: number;
  constants: number;
}

/**
 * Counts what exists from boot: every top-level name with its value (functions, classes with their
 * methods, constant tables, the init handler). Functions inside functions are not counted here:
 * they exist only while (or after) their outer function runs, and the live walk counts those kept.
 */
export function countScript(script: string, map: string | undefined, short: Set<string>): ScriptCount {
  const ast: AstNode = parse(script, { ecmaVersion: 2020, locations: true });
  const sm = map ? new SourceMap(JSON.parse(map)) : undefined;
  const r: ScriptCount = {
    total: 0,
    modules: new Map(),
    names: 0,
    functions: 0,
    classes: 0,
    methods: 0,
    params: 0,
    constants: 0,
  };
  const moduleOf = (n: AstNode): string => {
    const e = sm?.findEntry(n.loc.start.line - 1, n.loc.start.column) as { originalSource?: string } | undefined;
    return e?.originalSource ? basename(e.originalSource) : 'main';
  };
  const add = (n: AstNode, vars: number) => {
    const m = moduleOf(n);
    r.modules.set(m, (r.modules.get(m) ?? 0) + vars);
    r.total += vars;
  };
  const fn = (f: AstNode): number => {
    r.functions++;
    r.params += f.params.length;
    return functionVars(f.params.length, false);
  };
  const cls = (c: AstNode): number => {
    r.classes++;
    const shape: ClassShape = { ctorParams: 0, methods: [] };
    for (const m of c.body.body as AstNode[]) {
      if (m.type !== 'MethodDefinition') throw new Error('class member not counted: ' + m.type);
      r.params += m.value.params.length;
      if (m.kind === 'constructor') shape.ctorParams = m.value.params.length;
      else {
        r.methods++;
        shape.methods.push({ name: m.key.name ?? String(m.key.value), params: m.value.params.length });
      }
    }
    return classVars(shape, false, short);
  };
  /** A constant's value; functions in it are made at global scope with it. */
  const value = (n: AstNode): number => {
    if (!n) return 0;
    switch (n.type) {
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return fn(n);
      case 'ClassExpression':
        return cls(n);
      case 'Literal':
        r.constants++;
        if (n.regex) return 2 + stringVars(n.regex.pattern);
        if (typeof n.value === 'string') return stringVars(n.value);
        return typeof n.value === 'number' && !Number.isInteger(n.value) ? 1 : 0;
      case 'ArrayExpression':
        r.constants++;
        return 1 + n.elements.reduce((sum: number, e: AstNode) => sum + 1 + value(e), 0);
      case 'ObjectExpression':
        r.constants++;
        return (
          1 +
          n.properties.reduce(
            (sum: number, p: AstNode) => sum + nameVars(p.key.name ?? String(p.key.value), short) + value(p.value),
            0,
          )
        );
      default:
        // computed at load (a string joined from constants, a call): one var, more if long
        r.constants++;
        return 1;
    }
  };
  for (const st of ast.body as AstNode[]) {
    if (st.type === 'FunctionDeclaration') {
      r.names++;
      add(st, 1 + fn(st));
    } else if (st.type === 'ClassDeclaration') {
      r.names++;
      add(st, 1 + cls(st));
    } else if (st.type === 'VariableDeclaration') {
      for (const d of st.declarations as AstNode[]) {
        r.names++;
        add(d, 1 + value(d.init));
      }
    } else if (st.type === 'ExpressionStatement' && st.directive === undefined) {
      // E.on("init", () => ...): the handler is made at global scope and kept in E's listener list
      const e = st.expression;
      if (e.type !== 'CallExpression') throw new Error('top-level statement not counted: ' + e.type);
      let vars = 1;
      for (const a of e.arguments as AstNode[]) if (a.type.endsWith('FunctionExpression')) vars += fn(a);
      add(st, vars);
    } else if (st.type !== 'ExpressionStatement') throw new Error('top-level statement not counted: ' + st.type);
  }
  return r;
}

// --- classes of the sources: which exist from boot, which are made by a factory at run time ---

export interface SourceClasses {
  topLevel: Set<string>;
  /** class name -> the factory function that makes it, with the factory's parameter count */
  made: Map<string, { factory: string; params: number }>;
}

/**
 * Reads the TypeScript sources. A class declared inside a function must be the only thing that
 * function keeps (`function f() { class C {...} return C; }`): its scope then holds the class and
 * the factory's parameters, which the live walk counts; anything else there would go uncounted.
 */
export function sourceClasses(files: string[]): SourceClasses {
  const out: SourceClasses = { topLevel: new Set(), made: new Map() };
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2015, true);
    for (const st of sf.statements) if (ts.isClassDeclaration(st) && st.name) out.topLevel.add(st.name.text);
    const visit = (node: ts.Node): void => {
      if (ts.isClassLike(node) && node.parent !== sf) {
        const name = node.name?.text ?? '';
        const body = node.parent;
        const factory = body?.parent;
        if (!name || !body || !ts.isBlock(body) || !factory || !ts.isFunctionDeclaration(factory)) {
          throw new Error(
            `${file}: class ${name || '(anonymous)'} is not made by a factory function the estimate can count`,
          );
        }
        const others = body.statements.filter((s) => s !== node && !ts.isReturnStatement(s));
        if (others.length > 0) {
          throw new Error(
            `${file}: factory ${factory.name?.text} keeps more than class ${name}; count its other locals`,
          );
        }
        if (out.topLevel.has(name) || out.made.has(name)) throw new Error(`${file}: class name ${name} is not unique`);
        out.made.set(name, { factory: factory.name?.text ?? '', params: factory.parameters.length });
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(sf, visit);
  }
  return out;
}

// --- the board's boot-only parts: what the walk cannot see ---

/**
 * Places where the sources hold the board's boot-only parts (hal.ts `Board.setup`) other than
 * inline (`board.setup!.digitalInput(...)`) or to delete them: in a local, a parameter, a field.
 * On Espruino a closure keeps its maker's whole scope alive, so a setup held in a local of a
 * function that makes a listener would stay alive for good, unseen by the walk, which cannot look
 * into a scope. Returns "file:line: text" for each.
 */
export function setupHeldOutsideCalls(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2015, true);
    const where = (n: ts.Node) =>
      `${basename(file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.parent.getText()}`;
    const visit = (n: ts.Node): void => {
      if (ts.isTypeReferenceNode(n) && n.typeName.getText() === 'BoardSetup') {
        // the type names only the interface, the board's field and what makes the setup
        const p = n.parent;
        const declares = ts.isPropertySignature(p) || ts.isPropertyDeclaration(p) || ts.isFunctionDeclaration(p);
        if (!declares) out.push(where(n));
      }
      if (ts.isPropertyAccessExpression(n) && n.name.text === 'setup') {
        const p = n.parent;
        const inline =
          ts.isNonNullExpression(p) &&
          ts.isPropertyAccessExpression(p.parent) &&
          ts.isCallExpression(p.parent.parent) &&
          p.parent.parent.expression === p.parent;
        // `port.setup(...)`: Espruino's Serial.setup, a call, not the board's parts
        const serialSetup = ts.isCallExpression(p) && p.expression === n;
        if (!inline && !serialSetup && !ts.isDeleteExpression(p)) out.push(where(n));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}
