// The evaluation guard: a thin wrapper around cel-js's evaluator, installed on each compiled
// expression's own AST (node_modules is untouched). cel-js evaluates a node by calling
// `node.evaluate(ev, node, ctx)` and its children through `ev.run(child)`, which calls the
// child's `evaluate` in turn; cel-js offers no evaluation hook and refuses to replace a built-in
// overload (`+`, `matches`), so we wrap each node's `evaluate` instead:
// - every node evaluated is a step on the current EvaluationMeter, and the value it returns is
//   charged by size and checked against the string / list / bytes caps;
// - `string.matches` runs on RE2 (./regex.ts) instead of JavaScript's backtracking RegExp;
// - `list.join` checks the length of its result before building it (it is the one built-in that
//   can make a value much larger than its inputs in a single step);
// - an int result outside int64 (int(1e300), -(-2^63)) is an overflow error, as CEL specifies.
import { childrenOf, methodCall, type CelEvaluator, type CelNode, type EvaluateFn } from './ast.js';
import { runtimeOverloadHint } from './authoring.js';
import { EvaluationMeter, MAX_STRING_LENGTH } from './budget.js';
import { ExpressionBudgetError, ExpressionError } from './expression-errors.js';
import { regexMatches } from './regex.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Nodes that only read or route a value: their result is charged by size but was not built by them. */
const PASS_THROUGH = new Set(['value', 'id', '.', '.?', '[]', '[?]', '?:', '||', '&&', 'accuValue', 'accuInc']);

let current: EvaluationMeter | undefined;

/** Wraps `evaluate` on every node of a checked AST. Call once per compiled expression. */
export function instrument(root: CelNode): void {
  const seen = new Set<CelNode>();
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    guardNode(node);
    stack.push(...childrenOf(node));
  }
}

/** Runs one evaluation under a fresh meter. Always synchronous: no CEL function we register is async. */
export function metered<T>(run: () => T): { value: T; meter: EvaluationMeter } {
  const previous = current;
  const meter = (current = new EvaluationMeter());
  try {
    const value = run();
    if (value instanceof Promise) throw new ExpressionError('expression evaluated asynchronously, which is not supported');
    // A budget overrun inside exists()/all()/||/&& can be absorbed by CEL's error semantics; it still counts.
    if (meter.exceeded) throw meter.exceeded;
    return { value, meter };
  } catch (error) {
    throw meter.exceeded ?? asExpressionError(error);
  } finally {
    current = previous;
  }
}

/**
 * metered() for a caller that bounds the sum of many evaluations: the steps an evaluation used
 * are reported when it fails too (a failure can come after most of a budget was spent).
 */
export function meteredSteps<T>(run: () => T): { ok: true; value: T; steps: number } | { ok: false; error: ExpressionError; steps: number } {
  let meter: EvaluationMeter | undefined;
  try {
    const result = metered(() => {
      meter = current;
      return run();
    });
    return { ok: true, value: result.value, steps: result.meter.steps };
  } catch (error) {
    // metered() throws nothing but typed expression errors.
    return { ok: false, error: error as ExpressionError, steps: meter?.steps ?? 0 };
  }
}

/** Any error out of cel-js (or the JS engine under it) as one of our typed expression errors. */
function asExpressionError(error: unknown): ExpressionError {
  if (error instanceof ExpressionError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  // "Invalid string length", "Maximum call stack size exceeded", "Invalid array length": out of budget, not a bug in the expression's logic.
  if (error instanceof RangeError) return new ExpressionBudgetError(`expression exceeded an engine limit: ${message}`, { cause: error });
  return new ExpressionError(runtimeOverloadHint(message), { cause: error });
}

function guardNode(node: CelNode): void {
  const built = !PASS_THROUGH.has(node.op);
  const growing = node.op === 'accuPush';
  // cel-js's own evaluate replaces itself on first use (`this.evaluate = meta.evaluate`); the
  // setter keeps that working underneath the wrapper.
  let inner: EvaluateFn = replacement(node) ?? node.evaluate;
  const guarded: EvaluateFn = function (this: CelNode, ev, ast, ctx) {
    const meter = current;
    if (!meter) return inner.call(this, ev, ast, ctx);
    meter.step();
    const value = inner.call(this, ev, ast, ctx);
    if (growing) meter.observeGrowing(value);
    else meter.observe(value, built);
    if (built && typeof value === 'bigint' && (value > INT64_MAX || value < INT64_MIN)) {
      throw new ExpressionError('integer overflow: the value is outside the int64 range');
    }
    return value;
  };
  Object.defineProperty(node, 'evaluate', {
    configurable: true,
    get: () => guarded,
    set: (fn: EvaluateFn) => { inner = fn; },
  });
}

/** Our own evaluation for the calls cel-js would run unsafely; undefined for every other node. */
function replacement(node: CelNode): EvaluateFn | undefined {
  const call = methodCall(node);
  if (!call) return undefined;
  const { name, receiver, args } = call;
  if (name === 'matches' && args.length === 1) {
    const [pattern] = args as [CelNode];
    return (ev, _ast, ctx) => {
      const input = (ev as CelEvaluator).run(receiver, ctx);
      const regex = (ev as CelEvaluator).run(pattern, ctx);
      if (typeof input !== 'string' || typeof regex !== 'string') throw new ExpressionError(`no such overload: ${typeName(input)}.matches(${typeName(regex)})`);
      return regexMatches(input, regex);
    };
  }
  if (name === 'join' && args.length <= 1) {
    return (ev, _ast, ctx) => {
      const list = (ev as CelEvaluator).run(receiver, ctx);
      const separator = args[0] ? (ev as CelEvaluator).run(args[0], ctx) : '';
      if (!Array.isArray(list) || typeof separator !== 'string') throw new ExpressionError(`no such overload: ${typeName(list)}.join(${args[0] ? typeName(separator) : ''})`);
      let length = separator.length * Math.max(0, list.length - 1);
      for (const item of list) {
        if (typeof item !== 'string') throw new ExpressionError('join(): the list must contain only strings');
        length += item.length;
        if (length > MAX_STRING_LENGTH) current?.fail(`join() would build a string of more than ${MAX_STRING_LENGTH} characters`);
      }
      if (length > MAX_STRING_LENGTH) throw new ExpressionBudgetError(`join() would build a string of more than ${MAX_STRING_LENGTH} characters`);
      return list.join(separator);
    };
  }
  return undefined;
}

function typeName(value: unknown): string {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (Array.isArray(value)) return 'list';
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name === undefined || name === 'Object' || name === 'Map' ? 'map' : name;
}
