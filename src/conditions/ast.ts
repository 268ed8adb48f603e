// A read-only view of cel-js's AST after type checking. cel-js keeps macro expansions out of
// `args`: `list.map(...)` and friends point at a `comprehension` node through `meta.alternate`,
// `cel.bind` and `has` keep their operands in `meta.macro`. Budgets and the evaluation guard must
// see what really runs, so children here include both.

/** The part of a cel-js ASTNode we rely on (public getters and fields of its parser's node class). */
export interface CelNode {
  op: string;
  args: unknown;
  readonly meta: { alternate?: unknown; macro?: Record<string, unknown> };
  evaluate: EvaluateFn;
}

export type EvaluateFn = (this: CelNode, ev: unknown, ast: CelNode, ctx: unknown) => unknown;

/** The evaluator's own recursion: `ev.run(node, ctx)` evaluates a child. */
export interface CelEvaluator {
  run(node: CelNode, ctx: unknown): unknown;
}

export function isCelNode(value: unknown): value is CelNode {
  return value !== null && typeof value === 'object' && typeof (value as { op?: unknown }).op === 'string'
    && typeof (value as { evaluate?: unknown }).evaluate === 'function' && 'meta' in value;
}

/** The nodes under `node` that can be evaluated, macro expansions included. */
export function childrenOf(node: CelNode): CelNode[] {
  const out: CelNode[] = [];
  const take = (value: unknown): void => {
    if (isCelNode(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) take(item);
  };
  const { args, meta } = node;
  if (node.op !== 'value') {
    if (Array.isArray(args) || isCelNode(args)) take(args);
    // comprehension: { iterable, init, step, ... } (its iterCtx is a context, not a node)
    else if (args !== null && typeof args === 'object') for (const value of Object.values(args)) take(value);
  }
  take(meta.alternate);
  if (meta.macro) for (const [key, value] of Object.entries(meta.macro)) if (key !== 'ast') take(value);
  return out;
}

/** `cel.bind(name, value, expression)`: a macro call kept as an rcall. */
export function isBind(node: CelNode): boolean {
  return node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'bind' && node.meta.macro !== undefined;
}

/** A method call `receiver.name(args...)` that is not a macro, with its parts. */
export function methodCall(node: CelNode): { name: string; receiver: CelNode; args: CelNode[] } | undefined {
  if (node.op !== 'rcall' || node.meta.alternate || node.meta.macro || !Array.isArray(node.args)) return undefined;
  const [name, receiver, args] = node.args as unknown[];
  if (typeof name !== 'string' || !isCelNode(receiver) || !Array.isArray(args)) return undefined;
  return { name, receiver, args: args as CelNode[] };
}

/** The literal string an argument node holds, if it is one. */
export function literalString(node: CelNode | undefined): string | undefined {
  return node?.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}
