import {
  CLOSURE_SCOPE,
  type ClassShape,
  classVars,
  functionVars,
  NATIVE_FUNCTION,
  nameVars,
  type SourceClasses,
  stringVars,
} from './ram-model.ts';

/** A class made at run time by a factory, as counted from its live prototype. */
export interface MadeClass {
  name: string;
  factory: string;
  vars: number;
}

type Obj = { [k: string]: unknown };

/**
 * Walks what a running node keeps alive and counts it with the model of ram-model.ts. Top-level
 * code (functions, classes, module constants) is counted from the script, so the walk counts it 0:
 * methods of top-level classes, and objects and functions registered with `known` (the modules'
 * exports). Classes made by a factory are counted once per class, from the prototype of their
 * first live instance, with the factory's scope; any other function reached is a closure.
 */
export class LiveWalk {
  readonly made: MadeClass[] = [];
  /** vars per path ("node.msg.link"), each including its children */
  readonly parts = new Map<string, number>();
  private seen = new Set<unknown>();
  private natives = new Set<unknown>();

  constructor(
    private classes: SourceClasses,
    private short: Set<string>,
  ) {}

  /** Values counted elsewhere (the script's top-level code): the walk neither counts nor enters them. */
  known(values: unknown[]): void {
    for (const v of values) {
      if ((typeof v !== 'object' && typeof v !== 'function') || v === null) continue;
      this.seen.add(v);
      if (typeof v === 'function' && this.classes.topLevel.has(v.name)) this.knownPrototype(v.prototype);
    }
  }

  /** Espruino's built-in functions (the board's globals): kept as a value, one var each, not a closure. */
  native(functions: unknown[]): void {
    for (const f of functions) if (typeof f === 'function') this.natives.add(f);
  }

  count(v: unknown, path: string): number {
    if (v === null || v === undefined || typeof v === 'boolean') return 0;
    if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 0 : 1;
    if (typeof v === 'string') return stringVars(v);
    if (typeof v !== 'object' && typeof v !== 'function') return 0;
    if (this.seen.has(v)) return 0;
    this.seen.add(v);
    if (typeof v === 'function') {
      if (this.natives.has(v)) return NATIVE_FUNCTION;
      const made = this.classes.made.get(v.name);
      if (made && v.prototype) return this.madeClass(v.prototype, path);
      return functionVars(v.length, true) + CLOSURE_SCOPE;
    }
    let n = 1;
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      n++;
      n += this.classOf(proto, path);
    }
    const o = v as Obj;
    for (const key of Object.keys(o)) {
      n += (Array.isArray(v) ? 1 : nameVars(key, this.short)) + this.count(o[key], path + '.' + key);
    }
    this.parts.set(path, (this.parts.get(path) ?? 0) + n);
    return n;
  }

  private classOf(proto: object, path: string): number {
    if (this.seen.has(proto)) return 0;
    const name = (proto.constructor as { name?: string }).name ?? '';
    if (this.classes.topLevel.has(name)) {
      this.knownPrototype(proto);
      return 0;
    }
    if (this.classes.made.has(name)) return this.madeClass(proto, path);
    throw new Error(`class ${name} of ${path} is neither top-level nor made by a known factory`);
  }

  /** A top-level class: its methods are counted with the script. */
  private knownPrototype(proto: object): void {
    this.seen.add(proto);
    for (const k of Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, k);
      for (const f of [d?.value, d?.get, d?.set]) if (typeof f === 'function') this.seen.add(f);
    }
  }

  /** A class made at run time: its constructor and methods, each with a scope link, and the factory's scope. */
  private madeClass(proto: object, path: string): number {
    this.seen.add(proto);
    const ctor = proto.constructor as (...a: unknown[]) => unknown;
    this.seen.add(ctor);
    const shape: ClassShape = { ctorParams: ctor.length, methods: [] };
    for (const k of Object.getOwnPropertyNames(proto)) {
      if (k === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, k);
      for (const f of [d?.value, d?.get, d?.set]) {
        if (typeof f !== 'function') continue;
        this.seen.add(f);
        shape.methods.push({ name: k, params: f.length });
      }
    }
    const made = this.classes.made.get(ctor.name);
    if (!made) throw new Error(`class ${ctor.name} of ${path}: no factory known`);
    // the factory call's scope stays alive: its var, its parameter names and the class's name
    const vars = classVars(shape, true, this.short) + 1 + made.params + 1;
    this.made.push({ name: ctor.name, factory: made.factory, vars: vars });
    return vars;
  }
}
