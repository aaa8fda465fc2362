import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * Top-level constants written into the code that uses them. On Espruino every top-level name is
 * a JsVar for good (two for a string or a float), and esbuild inlines a constant only into other
 * modules, and not always; a literal in the code lives in flash with the function text. So the
 * build replaces each use of an UPPER_CASE top-level `const` whose value is a literal, or simple
 * arithmetic or string joining of literals and such constants, with its value, in the file that
 * declares it and in files that import it by that name; esbuild then drops the unused
 * declarations. A name declared twice in the sources with different values, or declared again
 * inside a file that uses it (a local, a parameter), is left alone.
 */
export type ConstValue = number | string | boolean;

const CONSTANT_NAME = /^[A-Z][A-Z0-9_]+$/;

/** Every inlinable top-level constant in the given files, name -> value. */
export function collectConstants(files: string[]): Map<string, ConstValue> {
  const decls: { name: string; init: ts.Expression }[] = [];
  for (const file of files) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2015, true);
    for (const st of sf.statements) {
      if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && CONSTANT_NAME.test(d.name.text) && d.initializer)
          decls.push({ name: d.name.text, init: d.initializer });
      }
    }
  }
  const values = new Map<string, ConstValue>();
  const clashes = new Set<string>();
  // constants made of constants: evaluate until nothing new resolves
  for (let changed = true; changed; ) {
    changed = false;
    for (const { name, init } of decls) {
      if (clashes.has(name)) continue;
      const v = evaluate(init, values);
      if (v === undefined) continue;
      const had = values.get(name);
      if (had === undefined) {
        values.set(name, v);
        changed = true;
      } else if (had !== v) {
        clashes.add(name);
        values.delete(name);
      }
    }
  }
  return values;
}

function evaluate(e: ts.Expression, known: Map<string, ConstValue>): ConstValue | undefined {
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) return evaluate(e.expression, known);
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isIdentifier(e)) return known.get(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
    const v = evaluate(e.operand, known);
    return typeof v === 'number' ? -v : undefined;
  }
  if (ts.isBinaryExpression(e)) {
    const a = evaluate(e.left, known);
    const b = evaluate(e.right, known);
    if (a === undefined || b === undefined || typeof a === 'boolean' || typeof b === 'boolean') return undefined;
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken) return typeof a === 'string' || typeof b === 'string' ? `${a}${b}` : a + b;
    if (typeof a !== 'number' || typeof b !== 'number') return undefined;
    if (op === ts.SyntaxKind.MinusToken) return a - b;
    if (op === ts.SyntaxKind.AsteriskToken) return a * b;
    if (op === ts.SyntaxKind.SlashToken) return a / b;
  }
  return undefined;
}

/** Names declared in a file other than as top-level constants: those uses are not the constant's. */
function shadowed(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (node: ts.Node, top: boolean): void => {
    if (
      (ts.isVariableDeclaration(node) && !top) ||
      ts.isParameter(node) ||
      ts.isFunctionDeclaration(node) ||
      ts.isClassDeclaration(node)
    ) {
      const name = (node as { name?: ts.Node }).name;
      if (name && ts.isIdentifier(name)) out.add(name.text);
    }
    const topLevel = ts.isVariableStatement(node) && node.parent === sf;
    ts.forEachChild(node, (c) => visit(c, topLevel || (top && ts.isVariableDeclarationList(node))));
  };
  ts.forEachChild(sf, (c) => visit(c, false));
  return out;
}

/** The value of an identifier in an expression position, as a literal node. */
function literal(f: ts.NodeFactory, v: ConstValue): ts.Expression {
  if (typeof v === 'string') return f.createStringLiteral(v);
  if (typeof v === 'boolean') return v ? f.createTrue() : f.createFalse();
  return v < 0
    ? f.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, f.createNumericLiteral(-v))
    : f.createNumericLiteral(v);
}

/** TypeScript `before` transformer that writes the constants' values where they are used. */
export function inlineConstants(values: Map<string, ConstValue>) {
  return (context: ts.TransformationContext): ts.Transformer<ts.SourceFile> => {
    const f = context.factory;
    return (sf) => {
      const skip = shadowed(sf);
      const visit = (node: ts.Node): ts.Node => {
        if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return node;
        if (ts.isPropertyAccessExpression(node))
          return f.updatePropertyAccessExpression(
            node,
            ts.visitNode(node.expression, visit) as ts.Expression,
            node.name,
          );
        if (ts.isPropertyAssignment(node))
          return f.updatePropertyAssignment(node, node.name, ts.visitNode(node.initializer, visit) as ts.Expression);
        if (ts.isVariableDeclaration(node))
          return f.updateVariableDeclaration(
            node,
            node.name,
            node.exclamationToken,
            node.type,
            node.initializer && (ts.visitNode(node.initializer, visit) as ts.Expression),
          );
        if (ts.isShorthandPropertyAssignment(node)) return node;
        if (ts.isIdentifier(node) && !skip.has(node.text)) {
          const v = values.get(node.text);
          if (v !== undefined) return literal(f, v);
        }
        return ts.visitEachChild(node, visit, context);
      };
      return ts.visitEachChild(sf, visit, context);
    };
  };
}
