// Cost budgets for user expressions. Two halves:
// - at compile (deploy) time, the shape of an expression is bounded: source length, AST nodes,
//   nesting, macro and cel.bind nesting; over budget is a compile error naming the limit;
// - at evaluation, a meter counts steps and the size of what the expression builds, so an
//   expression that is small on paper but grows exponentially (nested cel.bind doubling a string,
//   a list added to itself, comprehensions nested over big lists) stops with a typed
//   ExpressionBudgetError long before it can exhaust the heap or hold the event loop.
// Limits are far above what real CRM conditions and templates need (tens of nodes, strings of a
// few KB); each says what it protects.
import { childrenOf, isBind, type CelNode } from './ast.js';
import { ExpressionBudgetError } from './expression-errors.js';

// ---- compile time ---------------------------------------------------------------------------

/** Characters of source. Bounds parse time; a 400-character expression can already be hostile, so the run-time meter is the real guard. */
export const MAX_SOURCE_LENGTH = 8192;
/** Parsed AST nodes (enforced by cel-js's parser, `maxAstNodes`). */
export const MAX_AST_NODES = 2000;
/** Parser recursion (cel-js `maxDepth`): parenthesised / nested sub-expressions. */
export const MAX_PARSE_DEPTH = 64;
/** Depth of the checked tree, macro expansions included: bounds evaluation recursion (e.g. !!!!…x, a+b+…). */
export const MAX_TREE_DEPTH = 128;
/** Comprehensions (map/filter/all/exists/exists_one) nested in each other: each level multiplies the work. */
export const MAX_MACRO_NESTING = 3;
/** cel.bind nested in each other: each level can multiply the size of what it binds. */
export const MAX_BIND_NESTING = 8;

/** The first compile budget an expression's checked AST exceeds, as a message, or undefined. */
export function staticBudgetProblem(root: CelNode): string | undefined {
  let problem: string | undefined;
  const seen = new Set<CelNode>();
  // Iterative, so a pathologically deep tree cannot overflow our own stack while we measure it.
  const stack: { node: CelNode; depth: number; macros: number; binds: number }[] = [{ node: root, depth: 1, macros: 0, binds: 0 }];
  while (stack.length > 0 && !problem) {
    const { node, depth, macros: outerMacros, binds: outerBinds } = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const macros = outerMacros + (node.op === 'comprehension' ? 1 : 0);
    const binds = outerBinds + (isBind(node) ? 1 : 0);
    if (depth > MAX_TREE_DEPTH) problem = `expression is nested ${depth} levels deep, over the limit of ${MAX_TREE_DEPTH}`;
    else if (macros > MAX_MACRO_NESTING) problem = `more than ${MAX_MACRO_NESTING} comprehensions (map/filter/all/exists) are nested in each other`;
    else if (binds > MAX_BIND_NESTING) problem = `more than ${MAX_BIND_NESTING} cel.bind are nested in each other`;
    for (const child of childrenOf(node)) stack.push({ node: child, depth: depth + 1, macros, binds });
  }
  return problem;
}

export function sourceLengthProblem(source: string): string | undefined {
  return source.length > MAX_SOURCE_LENGTH ? `expression is ${source.length} characters long, over the limit of ${MAX_SOURCE_LENGTH}` : undefined;
}

// ---- evaluation -----------------------------------------------------------------------------

/**
 * Evaluation steps (one per AST node evaluated, plus size charges below). Real conditions take
 * tens to hundreds (an exists() over a 10k-item response body about 60k). A step costs 0.2-1 µs
 * depending on the node, so 250k steps end a runaway expression in roughly 50-250 ms, leaving
 * headroom under load.
 */
export const MAX_STEPS = 250_000;
/** Characters (UTF-16 code units) of any string an expression builds. */
export const MAX_STRING_LENGTH = 1024 * 1024;
/** Bytes of any bytes value an expression builds. */
export const MAX_BYTES_LENGTH = 1024 * 1024;
/** Elements of any list an expression builds. */
export const MAX_LIST_SIZE = 100_000;
/** Estimated bytes allocated by one evaluation, summed over every value it builds. */
export const MAX_ALLOCATED_BYTES = 64 * 1024 * 1024;
/**
 * Reading a string or bytes value costs one extra step per this many characters / bytes, so work
 * linear in its size (contains, ==, matches, concatenation) is counted, not just node visits.
 */
export const SIZE_UNITS_PER_STEP = 64;
/** The same for lists, per element: comparing elements (`in`, ==) is far slower than comparing characters. */
export const LIST_ELEMENTS_PER_STEP = 8;
/** Serialized (JSON, UTF-8) size of one expression result that is stored, e.g. a `set` value. */
export const MAX_RESULT_BYTES = 1024 * 1024;

/** What one evaluation has used so far. Once exceeded it stays exceeded: every later step throws. */
export class EvaluationMeter {
  steps = 0;
  allocated = 0;
  exceeded: ExpressionBudgetError | undefined;

  step(cost = 1): void {
    if (this.exceeded) throw this.exceeded;
    this.steps += cost;
    if (this.steps > MAX_STEPS) this.fail(`expression took more than ${MAX_STEPS} evaluation steps`);
  }

  /** Charges reading `value` (its size) and, when the node built it, checks its size caps. */
  observe(value: unknown, built: boolean): void {
    const size = sizeOf(value);
    if (size === 0) return;
    const perStep = Array.isArray(value) ? LIST_ELEMENTS_PER_STEP : SIZE_UNITS_PER_STEP;
    if (size >= perStep) this.step(Math.floor(size / perStep));
    if (!built) return;
    if (typeof value === 'string') {
      if (size > MAX_STRING_LENGTH) this.fail(`expression built a string of ${size} characters, over the limit of ${MAX_STRING_LENGTH}`);
      this.allocate(size * 2);
    } else if (Array.isArray(value)) {
      if (size > MAX_LIST_SIZE) this.fail(`expression built a list of ${size} elements, over the limit of ${MAX_LIST_SIZE}`);
      this.allocate(size * 8);
    } else {
      if (size > MAX_BYTES_LENGTH) this.fail(`expression built a bytes value of ${size} bytes, over the limit of ${MAX_BYTES_LENGTH}`);
      this.allocate(size);
    }
  }

  /** Checks a list that is being grown in place (a comprehension's accumulator) without charging it again. */
  observeGrowing(value: unknown): void {
    if (this.exceeded) throw this.exceeded;
    if (Array.isArray(value) && value.length > MAX_LIST_SIZE) this.fail(`expression built a list of more than ${MAX_LIST_SIZE} elements`);
  }

  allocate(bytes: number): void {
    this.allocated += bytes;
    if (this.allocated > MAX_ALLOCATED_BYTES) this.fail(`expression allocated more than ${MAX_ALLOCATED_BYTES} bytes`);
  }

  fail(message: string): never {
    this.exceeded ??= new ExpressionBudgetError(message);
    throw this.exceeded;
  }
}

/** Size in characters / elements / bytes of strings, lists and bytes; 0 for everything else. */
function sizeOf(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value) || value instanceof Uint8Array) return value.length;
  return 0;
}

/**
 * Throws ExpressionBudgetError when `value` would serialize to more than MAX_RESULT_BYTES of JSON.
 * Walks the value and stops as soon as the cap is passed, so a huge value is not serialized first.
 */
export function assertResultSize(value: unknown, label: string): void {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') total += Buffer.byteLength(v, 'utf8') + 2;
    else if (Array.isArray(v)) { total += v.length + 1; for (const item of v) stack.push(item); }
    else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) { total += Buffer.byteLength(key, 'utf8') + 4; stack.push(item); }
    } else total += 8;
    if (total > MAX_RESULT_BYTES) throw new ExpressionBudgetError(`${label}: the result is larger than ${MAX_RESULT_BYTES} bytes`);
  }
}
