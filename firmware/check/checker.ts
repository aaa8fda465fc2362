import * as A from 'acorn';
import { type AncestorVisitors, ancestor, base } from 'acorn-walk';
import { PROBES, type Probe } from './probes.ts';
import { regexFeatures } from './regex-features.ts';

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

const MEASURED = 'on Espruino 2v29 (measured: firmware/check/probes.ts)';

/** The probes that fail on Espruino, by the name the checker meets in code. */
const failing = PROBES.filter((p) => !p.espruino);
const advice = (p: Probe) => (p.instead ? `; ${p.instead}` : '');
const FAILING_REGEX = new Map(failing.filter((p) => p.kind === 'regex').map((p) => [p.feature, p]));
const builtins = failing.filter((p) => p.kind === 'builtin');
/** Globals (`Map`), static members (`Number.isFinite`) and full method paths that Espruino lacks. */
const MISSING_NAMES = new Map(builtins.map((p) => [p.feature, p]));
/**
 * Prototype methods that Espruino lacks, by method name (`trimEnd`): the receiver's type is not
 * known here, so a name that works on another probed prototype (Array and Float32Array `fill`) is
 * not flagged.
 */
const MISSING_METHODS = new Map<string, string[]>();
for (const p of builtins.filter((b) => b.feature.includes('.prototype.'))) {
  const name = p.feature.slice(p.feature.lastIndexOf('.') + 1);
  if (PROBES.some((q) => q.espruino && q.feature.endsWith(`.prototype.${name}`))) continue;
  MISSING_METHODS.set(name, [...(MISSING_METHODS.get(name) ?? []), `${p.feature}${advice(p)}`]);
}

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
  const ownNames = definedNames(program);
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
      const probe = MISSING_NAMES.get(id.name);
      if (probe && isReference(id, ancestors[ancestors.length - 2]))
        report(n, 'missing-builtin', `${probe.feature} does not work ${MEASURED}${advice(probe)}`);
    },
    MemberExpression: (n) => {
      const m = n as A.MemberExpression;
      const name = memberName(m);
      const probe = name === undefined ? undefined : MISSING_NAMES.get(name);
      if (probe) report(n, 'missing-builtin', `${probe.feature} does not work ${MEASURED}${advice(probe)}`);
      if (name === 'Array.prototype.slice.call' || name === '.slice.call')
        report(n, 'missing-builtin', 'Array.prototype.slice.call does not work on Espruino; copy with a loop');
      // a method on an instance; `Object.keys` and the like are statics, looked up by name above
      const method = !m.computed && m.property.type === 'Identifier' ? m.property.name : '';
      const onInstance = !(m.object.type === 'Identifier' && /^[A-Z]/.test(m.object.name));
      const missing = MISSING_METHODS.get(method);
      if (missing && onInstance && !probe && !ownNames.has(method))
        report(n, 'missing-builtin', `.${method}(): ${missing.join(' / ')}: does not work ${MEASURED}`);
    },
    Literal: (n) => {
      const r = (n as A.Literal).regex;
      if (r) checkRegex(n, r.pattern, r.flags, report);
    },
    NewExpression: (n) => checkRegexConstructor(n as A.NewExpression, report),
    CallExpression: (n) => checkRegexConstructor(n as A.CallExpression, report),
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

type Report = (n: A.AnyNode, rule: string, message: string) => void;

/** Flags the features of a pattern that Espruino does not run (it silently never matches). */
function checkRegex(n: A.AnyNode, pattern: string, flags: string, report: Report) {
  for (const feature of regexFeatures(pattern, flags)) {
    const probe = FAILING_REGEX.get(feature);
    if (probe)
      report(
        n,
        'regex',
        `/${pattern}/${flags}: ${feature} does not work in regular expressions ${MEASURED}${advice(probe)}`,
      );
  }
}

/** `new RegExp('...')` and `RegExp('...')` with literal text are checked like regex literals. */
function checkRegexConstructor(n: A.NewExpression | A.CallExpression, report: Report) {
  if (n.callee.type !== 'Identifier' || n.callee.name !== 'RegExp') return;
  const [pattern, flags] = n.arguments;
  if (pattern?.type !== 'Literal' || typeof pattern.value !== 'string') return;
  const f = flags?.type === 'Literal' && typeof flags.value === 'string' ? flags.value : '';
  checkRegex(n, pattern.value, f, report);
}

/** Names the script itself gives to methods and properties: `x.flat()` may call one of them. */
function definedNames(program: A.Program): Set<string> {
  const names = new Set<string>();
  const add = (key: A.AnyNode) => {
    if (key.type === 'Identifier') names.add(key.name);
    else if (key.type === 'Literal' && typeof key.value === 'string') names.add(key.value);
  };
  ancestor(program, {
    MethodDefinition: (n) => add((n as A.MethodDefinition).key),
    Property: (n) => add((n as A.Property).key),
    AssignmentExpression: (n) => {
      const left = (n as A.AssignmentExpression).left;
      if (left.type === 'MemberExpression' && !left.computed) add(left.property);
    },
  });
  return names;
}

function checkClass(c: A.ClassDeclaration | A.ClassExpression, report: Report) {
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
