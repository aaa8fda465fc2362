import * as A from 'acorn';
import { type AncestorVisitors, ancestor, base } from 'acorn-walk';

/**
 * Static check that an emitted script uses only what Espruino runs (DESIGN.md, measured on
 * Espruino 2v29). Espruino parses code only when it runs, so running a script once proves
 * nothing about branches that did not run: this check is the proof.
 */
export interface Finding {
  line: number;
  column: number;
  rule: string;
  message: string;
}

/** Global built-ins that do not exist on Espruino. */
const MISSING_GLOBALS: Record<string, string> = {
  Symbol: 'Symbol does not exist on Espruino',
  Map: 'Map does not exist on Espruino; use a plain object',
  Set: 'Set does not exist on Espruino; use an object or array',
  WeakMap: 'WeakMap does not exist on Espruino',
  WeakSet: 'WeakSet does not exist on Espruino',
  WeakRef: 'WeakRef does not exist on Espruino',
  Proxy: 'Proxy does not exist on Espruino',
  Reflect: 'Reflect does not exist on Espruino',
  TextEncoder: 'TextEncoder does not exist on Espruino; use E.toUint8Array or charCodeAt',
  TextDecoder: 'TextDecoder does not exist on Espruino; use E.toString',
};

/** Static methods that do not exist on Espruino: "Object.method" -> why. */
const MISSING_STATICS: Record<string, string> = {
  'Array.from': 'Array.from does not exist on Espruino; copy with a loop',
  'Array.of': 'Array.of does not exist on Espruino; use an array literal',
  'Promise.race': 'Promise.race does not exist on Espruino',
  'Promise.allSettled': 'Promise.allSettled does not exist on Espruino',
  'Promise.any': 'Promise.any does not exist on Espruino',
  'Object.freeze': 'Object.freeze does not exist on Espruino',
  'Math.trunc': 'Math.trunc does not exist on Espruino; use x < 0 ? Math.ceil(x) : Math.floor(x)',
  'Number.isInteger': 'Number.isInteger does not exist on Espruino; use x === Math.floor(x)',
};

export function checkSource(source: string): Finding[] {
  const findings: Finding[] = [];
  let program: A.Program;
  try {
    program = A.parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true });
  } catch (err) {
    const e = err as { loc?: { line: number; column: number }; message: string };
    return [
      {
        line: e.loc?.line ?? 0,
        column: e.loc?.column ?? 0,
        rule: 'parse',
        message: `not a parseable script (${e.message}); Espruino runs plain scripts, not modules`,
      },
    ];
  }
  const report = (node: A.AnyNode, rule: string, message: string) => {
    const loc = node.loc;
    findings.push({ line: loc?.start.line ?? 0, column: loc?.start.column ?? 0, rule, message });
  };
  const visitors: AncestorVisitors<unknown> = {
    ObjectPattern: (n) =>
      report(n, 'destructuring', 'destructuring does not run on Espruino; read the fields one by one'),
    ArrayPattern: (n) => report(n, 'destructuring', 'array destructuring does not run on Espruino; index the array'),
    AssignmentPattern: (n) =>
      report(n, 'default-parameter', 'default parameters do not run on Espruino; test for undefined in the body'),
    RestElement: (n) => report(n, 'rest', 'rest parameters/elements do not run on Espruino; use arguments or an array'),
    SpreadElement: (n) => report(n, 'spread', 'spread does not run on Espruino; use Object.assign or concat'),
    AwaitExpression: (n) => report(n, 'async', 'await does not run on Espruino; use Promise.then'),
    YieldExpression: (n) => report(n, 'generator', 'generators do not run on Espruino'),
    ChainExpression: (n) => report(n, 'optional-chaining', 'optional chaining ?. does not run on Espruino'),
    TaggedTemplateExpression: (n) => report(n, 'tagged-template', 'tagged templates do not run on Espruino'),
    LabeledStatement: (n) => report(n, 'label', 'labels do not run on Espruino; use a flag or a function'),
    PropertyDefinition: (n) =>
      report(n, 'class-field', 'class fields do not run on Espruino; compile with useDefineForClassFields: false'),
    StaticBlock: (n) => report(n, 'class-field', 'static blocks do not run on Espruino'),
    PrivateIdentifier: (n) => report(n, 'class-field', 'private #names do not run on Espruino'),
    ImportExpression: (n) =>
      report(n, 'module', 'import() does not run on Espruino; bundle everything into one script'),
    MetaProperty: (n) => report(n, 'module', 'new.target / import.meta do not run on Espruino'),
    BinaryExpression: (n) => {
      if ((n as A.BinaryExpression).operator === '**')
        report(n, 'exponent', '** does not run on Espruino; use Math.pow');
    },
    AssignmentExpression: (n) => {
      const a = n as A.AssignmentExpression;
      if (a.operator === '**=') report(n, 'exponent', '**= does not run on Espruino; use Math.pow');
      if (
        a.left.type === 'MemberExpression' &&
        !a.left.computed &&
        a.left.property.type === 'Identifier' &&
        a.left.property.name === 'length'
      ) {
        report(n, 'length-assign', 'assigning .length does not truncate on Espruino; use splice');
      }
    },
    Property: (n, _state, ancestors) => {
      const parent = ancestors[ancestors.length - 2];
      if ((n as A.Property).computed && parent?.type === 'ObjectExpression')
        report(n, 'computed-key', 'computed keys {[k]: v} do not run on Espruino; assign obj[k] = v after');
    },
    MethodDefinition: (n) => {
      if ((n as A.MethodDefinition).computed) report(n, 'computed-key', 'computed method names do not run on Espruino');
    },
    ClassDeclaration: (n) => checkClass(n as A.ClassDeclaration, report),
    ClassExpression: (n) => checkClass(n as A.ClassExpression, report),
    ForStatement: (n) => {
      const f = n as A.ForStatement;
      if (f.init?.type === 'VariableDeclaration' && f.init.kind !== 'var' && containsFunction(f.body)) {
        report(n, 'for-let-closure', 'closures in for (let ...) all see the last value on Espruino; use forEach');
      }
    },
    Identifier: (n, _state, ancestors) => {
      const id = n as A.Identifier;
      const why = MISSING_GLOBALS[id.name];
      if (why && isReference(id, ancestors[ancestors.length - 2])) report(n, 'missing-builtin', why);
    },
    MemberExpression: (n) => {
      const m = n as A.MemberExpression;
      const name = memberName(m);
      if (name && MISSING_STATICS[name]) report(n, 'missing-builtin', MISSING_STATICS[name]);
      if (name === 'Array.prototype.slice.call' || name === '.slice.call')
        report(n, 'missing-builtin', 'Array.prototype.slice.call does not work on Espruino; copy with a loop');
      if (!m.computed && m.property.type === 'Identifier' && m.property.name === 'finally')
        report(n, 'missing-builtin', 'Promise.prototype.finally does not exist on Espruino; use then/catch');
    },
  };
  for (const fnType of ['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'] as const) {
    visitors[fnType] = (n) => {
      const f = n as A.Function;
      if (f.async) report(n, 'async', 'async functions do not run on Espruino; use Promises');
      if (f.generator) report(n, 'generator', 'generators do not run on Espruino');
    };
  }
  ancestor(program, visitors, { ...base });
  findings.push(...checkHoisting(program), ...checkInheritedStatics(program));
  findings.sort((a, b) => a.line - b.line || a.column - b.column);
  return findings;
}

function checkClass(
  c: A.ClassDeclaration | A.ClassExpression,
  report: (n: A.AnyNode, rule: string, message: string) => void,
) {
  const sup = c.superClass;
  if (sup?.type === 'Identifier' && /Error$/.test(sup.name)) {
    report(c, 'extends-error', `class extends ${sup.name} does not work on Espruino; throw plain Error objects`);
  }
}

/** "Array.from", "Array.prototype.slice.call" or ".slice.call" for `[].slice.call`. */
function memberName(m: A.AnyNode): string | undefined {
  if (m.type === 'Identifier') return m.name;
  if (m.type === 'ArrayExpression') return '';
  if (m.type !== 'MemberExpression' || m.computed || m.property.type !== 'Identifier') return undefined;
  const left = memberName(m.object);
  return left === undefined ? undefined : `${left}.${m.property.name}`;
}

function isReference(id: A.Identifier, parent: A.AnyNode | undefined): boolean {
  if (!parent) return true;
  if (parent.type === 'MemberExpression') return parent.object === id || parent.computed;
  if (parent.type === 'Property' || parent.type === 'MethodDefinition') return parent.key !== id || parent.computed;
  if (parent.type === 'VariableDeclarator') return parent.id !== id;
  if (parent.type === 'FunctionDeclaration' || parent.type === 'FunctionExpression') return false;
  if (parent.type === 'ClassDeclaration' || parent.type === 'ClassExpression') return parent.id !== id;
  return parent.type !== 'LabeledStatement' && parent.type !== 'BreakStatement' && parent.type !== 'ContinueStatement';
}

function containsFunction(node: A.AnyNode): boolean {
  let found = false;
  const mark = () => {
    found = true;
  };
  ancestor(node, {
    FunctionExpression: mark,
    ArrowFunctionExpression: mark,
    FunctionDeclaration: mark,
  });
  return found;
}

/**
 * Espruino does not hoist function declarations: code that runs at a body's top level
 * (not inside a nested function, which runs later) must not use a function declared
 * further down the same body. This is why TypeScript's ES5 class emit fails.
 */
function checkHoisting(program: A.Program): Finding[] {
  const findings: Finding[] = [];
  const bodies: A.Statement[][] = [];
  const collect = (n: A.AnyNode) => {
    const f = n as A.Function;
    if (f.body && f.body.type === 'BlockStatement') bodies.push(f.body.body);
  };
  bodies.push(program.body as A.Statement[]);
  ancestor(program, {
    FunctionDeclaration: collect,
    FunctionExpression: collect,
    ArrowFunctionExpression: collect,
  });
  for (const body of bodies) {
    const declaredAt = new Map<string, number>();
    body.forEach((s, i) => {
      if (s.type === 'FunctionDeclaration' && s.id) declaredAt.set(s.id.name, i);
    });
    if (declaredAt.size === 0) continue;
    body.forEach((stmt, i) => {
      if (stmt.type === 'FunctionDeclaration') return;
      for (const id of immediateReferences(stmt)) {
        const at = declaredAt.get(id.name);
        if (at !== undefined && at > i) {
          const loc = id.loc;
          findings.push({
            line: loc?.start.line ?? 0,
            column: loc?.start.column ?? 0,
            rule: 'hoisting',
            message: `"${id.name}" is used before its function declaration; Espruino does not hoist functions (move the declaration up)`,
          });
        }
      }
    });
  }
  return findings;
}

/** Identifiers read when a statement runs, not counting those inside nested functions. */
function immediateReferences(stmt: A.AnyNode): A.Identifier[] {
  const out: A.Identifier[] = [];
  const skipFunctions = {
    ...base,
    FunctionExpression: () => {},
    ArrowFunctionExpression: () => {},
    FunctionDeclaration: () => {},
    MethodDefinition: () => {},
  };
  ancestor(
    stmt,
    {
      Identifier: (n, _s, ancestors) => {
        if (isReference(n as A.Identifier, ancestors[ancestors.length - 2])) out.push(n as A.Identifier);
      },
    },
    skipFunctions as typeof base,
  );
  return out;
}

/** Static methods are not inherited on Espruino: `Sub.m()` fails when only a parent class defines static m. */
function checkInheritedStatics(program: A.Program): Finding[] {
  const classes = new Map<string, { parent?: string; statics: Set<string> }>();
  const addClass = (n: A.AnyNode) => {
    const c = n as A.ClassDeclaration;
    if (!c.id) return;
    const statics = new Set<string>();
    for (const m of c.body.body) {
      if (m.type === 'MethodDefinition' && m.static && m.key.type === 'Identifier') statics.add(m.key.name);
    }
    classes.set(c.id.name, { parent: c.superClass?.type === 'Identifier' ? c.superClass.name : undefined, statics });
  };
  ancestor(program, { ClassDeclaration: addClass });
  const findings: Finding[] = [];
  ancestor(program, {
    MemberExpression: (n) => {
      const m = n as A.MemberExpression;
      if (m.computed || m.object.type !== 'Identifier' || m.property.type !== 'Identifier') return;
      const own = classes.get(m.object.name);
      if (!own || own.statics.has(m.property.name)) return;
      for (let p = own.parent; p; p = classes.get(p)?.parent) {
        if (classes.get(p)?.statics.has(m.property.name)) {
          const loc = n.loc;
          findings.push({
            line: loc?.start.line ?? 0,
            column: loc?.start.column ?? 0,
            rule: 'inherited-static',
            message: `${m.object.name}.${m.property.name} is a static method of ${p}; Espruino does not inherit statics (call ${p}.${m.property.name})`,
          });
          return;
        }
      }
    },
  });
  return findings;
}
