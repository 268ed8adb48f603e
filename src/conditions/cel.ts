// CEL: user expressions are data evaluated by an interpreter (invariant 10). One environment per
// object type declares `record` and `previous` with that type's fields, so a typo in a field name
// is a compile (deploy) error, not a runtime surprise. Every expression is held to a cost budget
// (./budget.ts): its shape at compile time, its steps and allocations at evaluation (./guard.ts).
import { Environment } from '@marcbachmann/cel-js';
import { childrenOf, literalString, methodCall, type CelNode } from './ast.js';
import { explainCheckError, MAX_LITERAL_PROMOTIONS, promoteIntLiteral, unquotedTextHint } from './authoring.js';
import { MAX_AST_NODES, MAX_PARSE_DEPTH, sourceLengthProblem, staticBudgetProblem } from './budget.js';
import { ExpressionError } from './expression-errors.js';
import { instrument, metered, meteredSteps } from './guard.js';
import { compilePattern } from './regex.js';
import type { FieldType, Json, ObjectTypeSpec, RecordData } from '../domain/types.js';

const CEL_TYPES: Record<FieldType, string> = {
  string: 'string',
  number: 'double',
  integer: 'int',
  boolean: 'bool',
  datetime: 'google.protobuf.Timestamp',
};

/** What a CEL expression returns, in our field vocabulary (or 'bool' / 'dyn' / other CEL names). */
export type CelResultType = string;

export interface CelProgram {
  source: string;
  resultType: CelResultType;
  /** The parsed AST, kept for static analysis (which fields an expression reads). */
  ast: unknown;
  /**
   * Evaluates under the run-time budget. Throws ExpressionError (EXPRESSION_FAILED) for a
   * deterministic failure and ExpressionBudgetError (EXPRESSION_BUDGET_EXCEEDED) for an overrun.
   */
  evaluate(context: CelContext): unknown;
  /**
   * evaluate() that reports a failure instead of throwing it, and how many budget steps it used
   * either way: for callers that run one expression many times (a `where` over a page of
   * records) and so must bound the sum, not just each run.
   */
  evaluateCounted(context: CelContext): { ok: true; value: Json; steps: number } | { ok: false; error: ExpressionError; steps: number };
}

export interface CelContext {
  record: RecordData;
  previous: RecordData;
  changed: string[];
  now: number;
  /** Outputs of the execution's checkpointed steps, by step id. */
  steps?: Record<string, Json>;
  /** Extra variables (lookup results, earlier step outputs). */
  [name: string]: unknown;
}

export type CelCompileResult = { ok: true; program: CelProgram } | { ok: false; error: string };

type CelEnvironment = InstanceType<typeof Environment>;

/** Compiles and evaluates CEL for one object type. */
export class CelScope {
  private readonly env: CelEnvironment;

  constructor(readonly type: ObjectTypeSpec, extraVariables: Record<string, string> = {}) {
    const schema: Record<string, string> = { id: 'string' };
    for (const [field, spec] of Object.entries(type.fields)) schema[field] = CEL_TYPES[spec.type];
    let env = new Environment({ homogeneousAggregateLiterals: false, limits: { maxAstNodes: MAX_AST_NODES, maxDepth: MAX_PARSE_DEPTH } })
      .registerVariable({ name: 'record', schema })
      .registerVariable({ name: 'previous', schema })
      .registerVariable('changed', 'list<string>')
      .registerVariable('now', 'google.protobuf.Timestamp')
      // Outputs of the execution's earlier steps by step id, e.g. steps.call.result.body.id.
      .registerVariable('steps', 'map<string, dyn>');
    for (const [name, celType] of Object.entries(extraVariables)) env = env.registerVariable(name, celType);
    this.env = env;
  }

  compile(source: string): CelCompileResult {
    const tooLong = sourceLengthProblem(source);
    if (tooLong) return { ok: false, error: tooLong };
    try {
      // An int literal beside a double (`record.score + 10`) is read as the double it means (./authoring.ts).
      let text = source;
      let parsed = this.env.parse(text);
      let check = parsed.check();
      for (let round = 0; !check.valid && round < MAX_LITERAL_PROMOTIONS; round++) {
        const promoted = promoteIntLiteral(text, check.error);
        if (promoted === undefined) break;
        text = promoted;
        parsed = this.env.parse(text);
        check = parsed.check();
      }
      if (!check.valid) return { ok: false, error: explainCheckError(firstLine(check.error?.message ?? 'invalid expression'), text, check.error) };
      const root = parsed.ast as unknown as CelNode;
      const problem = staticBudgetProblem(root) ?? literalPatternProblem(root);
      if (problem) return { ok: false, error: problem };
      instrument(root);
      const type = this.type;
      return {
        ok: true,
        program: {
          source,
          resultType: String(check.type),
          ast: parsed.ast,
          evaluate: (context) => fromCel(metered((): unknown => parsed(toCelContext(type, context))).value),
          evaluateCounted: (context) => {
            const result = meteredSteps((): unknown => parsed(toCelContext(type, context)));
            return result.ok ? { ok: true, value: fromCel(result.value), steps: result.steps } : result;
          },
        },
      };
    } catch (error) {
      const message = firstLine(error instanceof Error ? error.message : String(error));
      const hint = unquotedTextHint(source);
      return { ok: false, error: hint ? `${message} (${hint})` : message };
    }
  }
}

/** A literal `matches` pattern that RE2 rejects is a compile error, not a run-time surprise. */
function literalPatternProblem(root: CelNode): string | undefined {
  const stack = [root];
  const seen = new Set<CelNode>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const call = methodCall(node);
    const pattern = call?.name === 'matches' ? literalString(call.args[0]) : undefined;
    if (pattern !== undefined) {
      try {
        compilePattern(pattern);
      } catch (error) {
        return error instanceof ExpressionError ? error.message : String(error);
      }
    }
    stack.push(...childrenOf(node));
  }
  return undefined;
}

/** Does a CEL result type fit a field? (CEL int literals fit number fields.) */
export function fitsField(resultType: CelResultType, field: FieldType): boolean {
  if (resultType === 'dyn' || resultType === 'null') return true;
  if (field === 'number') return resultType === 'double' || resultType === 'int';
  return resultType === CEL_TYPES[field];
}

function toCelContext(type: ObjectTypeSpec, context: CelContext): Record<string, unknown> {
  return {
    ...context,
    record: toCelRecord(type, context.record),
    previous: toCelRecord(type, context.previous),
    now: new Date(context.now),
    steps: context.steps ?? {},
  };
}

function toCelRecord(type: ObjectTypeSpec, data: RecordData): Record<string, unknown> {
  // Own keys only, and built by defineProperty semantics (fromEntries): a stored key such as
  // `__proto__` can neither read a prototype member's spec nor set the object's prototype.
  const entries: [string, unknown][] = [];
  for (const [field, value] of Object.entries(data)) {
    const spec = Object.hasOwn(type.fields, field) ? type.fields[field] : undefined;
    if (value === null || value === undefined) continue;
    if (spec?.type === 'integer' && typeof value === 'number') entries.push([field, BigInt(value)]);
    else if (spec?.type === 'datetime' && typeof value === 'string') entries.push([field, new Date(value)]);
    else entries.push([field, value]);
  }
  return Object.fromEntries(entries);
}

/** CEL values (BigInt, Date, Map) back to JSON values for storage. */
export function fromCel(value: unknown): Json {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (Array.isArray(value)) return value.map(fromCel);
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  }
  return value as Json;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** The fields of `record` / `previous` an expression reads, from its AST (for the dependency graph). */
export function fieldsRead(ast: unknown, variable: 'record' | 'previous' = 'record'): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as { op?: unknown; args?: unknown };
    if ((n.op === '.' || n.op === '.?') && Array.isArray(n.args)) {
      const [target, field] = n.args as unknown[];
      const t = target as { op?: unknown; args?: unknown } | undefined;
      if (t?.op === 'id' && t.args === variable && typeof field === 'string') found.add(field);
    }
    if (Array.isArray(n.args)) for (const child of n.args) visit(child);
    else visit(n.args);
  };
  visit(ast);
  return [...found].sort();
}

/** The literal value of an expression when it is one ("\"high\"", 42, true), else undefined. */
export function literalValue(ast: unknown): { value: Json } | undefined {
  const n = ast as { op?: unknown; args?: unknown } | undefined;
  if (n?.op === 'value') return { value: fromCel(n.args) };
  return undefined;
}
