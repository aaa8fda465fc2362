import ts from 'typescript';
import { type ConstValue, inlineConstants } from './inline-constants.ts';

/**
 * TypeScript `after` transformer: turns default parameters into statements at the top of the
 * function body (`if (p === undefined) p = value;`). ES2015 output keeps default parameters and
 * Espruino cannot run them; neither tsc nor esbuild lowers them at that target. Running after
 * the TypeScript transforms means parameter properties are already `this.p = p` statements, so
 * the default lands before them.
 */
export function lowerDefaults(context: ts.TransformationContext): ts.Transformer<ts.SourceFile> {
  const f = context.factory;
  const visit = (node: ts.Node): ts.Node => {
    const out = ts.visitEachChild(node, visit, context);
    if (!ts.isFunctionLike(out) || !('body' in out) || !out.body) return out;
    const fn = out as
      | ts.FunctionDeclaration
      | ts.FunctionExpression
      | ts.MethodDeclaration
      | ts.ConstructorDeclaration
      | ts.ArrowFunction;
    if (!fn.parameters.some((p) => p.initializer)) return out;
    const defaults: ts.Statement[] = [];
    const params = fn.parameters.map((p) => {
      if (!p.initializer || !ts.isIdentifier(p.name)) return p;
      defaults.push(
        f.createIfStatement(
          f.createStrictEquality(p.name, f.createVoidZero()),
          f.createExpressionStatement(f.createAssignment(p.name, p.initializer)),
        ),
      );
      return f.updateParameterDeclaration(p, p.modifiers, p.dotDotDotToken, p.name, p.questionToken, p.type, undefined);
    });
    const old = fn.body as ts.ConciseBody;
    const body = ts.isBlock(old) ? old : f.createBlock([f.createReturnStatement(old)], true);
    const newBody = f.updateBlock(body, [...defaults, ...body.statements]);
    if (ts.isArrowFunction(fn)) {
      return f.updateArrowFunction(
        fn,
        fn.modifiers,
        fn.typeParameters,
        params,
        fn.type,
        fn.equalsGreaterThanToken,
        newBody,
      );
    }
    if (ts.isConstructorDeclaration(fn)) return f.updateConstructorDeclaration(fn, fn.modifiers, params, newBody);
    if (ts.isMethodDeclaration(fn)) {
      return f.updateMethodDeclaration(
        fn,
        fn.modifiers,
        fn.asteriskToken,
        fn.name,
        fn.questionToken,
        fn.typeParameters,
        params,
        fn.type,
        newBody,
      );
    }
    if (ts.isFunctionDeclaration(fn)) {
      return f.updateFunctionDeclaration(
        fn,
        fn.modifiers,
        fn.asteriskToken,
        fn.name,
        fn.typeParameters,
        params,
        fn.type,
        newBody,
      );
    }
    if (ts.isFunctionExpression(fn)) {
      return f.updateFunctionExpression(
        fn,
        fn.modifiers,
        fn.asteriskToken,
        fn.name,
        fn.typeParameters,
        params,
        fn.type,
        newBody,
      );
    }
    return out;
  };
  return (sf) => ts.visitNode(sf, visit) as ts.SourceFile;
}

/**
 * TypeScript -> ES2015 JavaScript for Espruino: class fields as constructor assignments, defaults
 * lowered, and the given constants written where they are used (inline-constants.ts).
 */
export function transpileForEspruino(source: string, fileName: string, constants?: Map<string, ConstValue>): string {
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      target: ts.ScriptTarget.ES2015,
      module: ts.ModuleKind.ESNext,
      useDefineForClassFields: false,
      verbatimModuleSyntax: false,
      allowImportingTsExtensions: true,
      sourceMap: false,
    },
    transformers: { before: constants ? [inlineConstants(constants)] : [], after: [lowerDefaults] },
  }).outputText;
}
