import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * Names of class members that are safe to shorten in the bundle: every name a class declares
 * (field, method, accessor, parameter property) that is never used as anything else in the given
 * sources: not an interface or type member (the contracts with Espruino, JSON config and
 * messages), not an object literal key, not a string, not a property of a built-in. Espruino keeps property names in RAM (a
 * JsVar per 4-12 characters, for every instance and every method), so `alarmHold` costs more
 * than `a`; esbuild's mangleProps renames exactly these names.
 */
export function classOnlyNames(files: string[]): string[] {
  const members = new Set<string>();
  const publics = new Set<string>();
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2015, true);
    const visit = (node: ts.Node): void => {
      const name = nameOf(node);
      if (name !== undefined) (isClassMember(node) ? members : publics).add(name);
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) publics.add(node.text);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return [...members].filter((n) => !publics.has(n) && !BUILT_IN.has(n)).sort();
}

/** Property names of the built-ins the firmware calls (`arr.push` must stay `push`). */
const BUILT_IN = new Set<string>(
  [
    Object.prototype,
    Array.prototype,
    String.prototype,
    Number.prototype,
    Function.prototype,
    RegExp.prototype,
    Promise.prototype,
    ArrayBuffer.prototype,
    Uint8Array.prototype,
    Object,
    Array,
    String,
    Math,
    JSON,
  ].flatMap((o) => Object.getOwnPropertyNames(o)),
);

function isClassMember(node: ts.Node): boolean {
  if (ts.isParameter(node)) return true; // nameOf only names parameter properties
  return ts.isClassElement(node) && node.parent !== undefined && ts.isClassLike(node.parent);
}

/** A constructor parameter that declares a member (`private x: T`, `readonly y: U`). */
function isParameterProperty(node: ts.ParameterDeclaration): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).length > 0;
}

/** The property name a declaration introduces, if any. */
function nameOf(node: ts.Node): string | undefined {
  if (ts.isParameter(node)) {
    // only parameter properties (`private x: T` in a constructor) become members
    return ts.isIdentifier(node.name) && isParameterProperty(node) ? node.name.text : undefined;
  }
  if (
    ts.isPropertyDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isPropertySignature(node) ||
    ts.isMethodSignature(node) ||
    ts.isPropertyAssignment(node) ||
    ts.isShorthandPropertyAssignment(node)
  ) {
    const n = node.name;
    return ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : undefined;
  }
  return undefined;
}
