// The expression budget: compile-time shape limits, run-time steps and allocation caps, int
// overflow, result size, and how each failure is classified for the step runner.
import { describe, expect, it } from 'vitest';
import { classifyFailure, FAILURE_CODES } from '../../src/failures/action-failures.js';
import {
  assertResultSize, EvaluationMeter, MAX_BIND_NESTING, MAX_LIST_SIZE, MAX_MACRO_NESTING, MAX_RESULT_BYTES, MAX_SOURCE_LENGTH,
  MAX_STEPS, MAX_STRING_LENGTH, MAX_TREE_DEPTH,
} from '../../src/conditions/budget.js';
import { CelScope, type CelContext } from '../../src/conditions/cel.js';
import { ExpressionBudgetError, ExpressionError } from '../../src/conditions/expression-errors.js';
import { BUILT_IN_TYPES } from '../../src/records/object-types.js';

const scope = new CelScope({ name: 'lead', ...BUILT_IN_TYPES.lead! });
const ctx: CelContext = { record: { name: 'Ada', score: 3 }, previous: {}, changed: [], now: 0 };

function compileError(source: string): string {
  const result = scope.compile(source);
  if (result.ok) throw new Error(`expected a compile error for ${source.slice(0, 80)}`);
  return result.error;
}

function evaluate(source: string): unknown {
  const result = scope.compile(source);
  if (!result.ok) throw new Error(`compile error: ${result.error}`);
  return result.program.evaluate(ctx);
}

function failure(source: string): ExpressionError {
  try {
    evaluate(source);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`expected ${source.slice(0, 80)} to fail`);
}

/** cel.bind(v1, seed, cel.bind(v2, v1+v1+..., ...)): each level multiplies the bound value by `fan`. */
function doubling(levels: number, seed: string, fan = 8, body = (last: string) => `size(${last}) > 0`): string {
  let expr = body(`v${levels}`);
  for (let i = levels; i >= 1; i--) {
    const value = i === 1 ? seed : Array(fan).fill(`v${i - 1}`).join(' + ');
    expr = `cel.bind(v${i}, ${value}, ${expr})`;
  }
  return expr;
}

const range = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;

describe('compile-time budget', () => {
  it('rejects a source over MAX_SOURCE_LENGTH, naming the limit', () => {
    expect(compileError(`"${'x'.repeat(MAX_SOURCE_LENGTH)}" == record.name`)).toMatch(new RegExp(`over the limit of ${MAX_SOURCE_LENGTH}`));
  });

  it('rejects more AST nodes than the parser allows', () => {
    expect(compileError(Array(1200).fill('1').join(' + ') + ' > 0')).toMatch(/maxAstNodes/);
  });

  it('rejects a tree nested deeper than MAX_TREE_DEPTH, accepts one just under', () => {
    expect(evaluate(`${'!'.repeat(MAX_TREE_DEPTH - 2)}true`)).toBe(true);
    expect(compileError(`${'!'.repeat(MAX_TREE_DEPTH + 2)}true`)).toMatch(/nested \d+ levels deep/);
  });

  it('rejects comprehensions nested deeper than MAX_MACRO_NESTING', () => {
    const nest = (n: number): string => (n === 0 ? 'true' : `[1, 2].all(x${n}, ${nest(n - 1)})`);
    expect(evaluate(nest(MAX_MACRO_NESTING))).toBe(true);
    expect(compileError(nest(MAX_MACRO_NESTING + 1))).toMatch(/comprehensions .* nested/);
  });

  it('rejects cel.bind nested deeper than MAX_BIND_NESTING', () => {
    const nest = (n: number): string => (n === 0 ? 'true' : `cel.bind(b${n}, ${n}, ${nest(n - 1)})`);
    expect(evaluate(nest(MAX_BIND_NESTING))).toBe(true);
    expect(compileError(nest(MAX_BIND_NESTING + 1))).toMatch(/cel\.bind are nested/);
  });

  it('ordinary expressions stay well inside every limit', () => {
    expect(evaluate('record.name.startsWith("A") && record.score > 2.0 && ["a", "b"].exists(s, s == "b")')).toBe(true);
  });
});

describe('evaluation budget', () => {
  it('stops nested cel.bind string doubling with EXPRESSION_BUDGET_EXCEEDED', () => {
    const error = failure(doubling(8, '"xxxxxxxxxx"'));
    expect(error).toBeInstanceOf(ExpressionBudgetError);
    expect(error.code).toBe('EXPRESSION_BUDGET_EXCEEDED');
    expect(error.message).toMatch(new RegExp(`string of \\d+ characters, over the limit of ${MAX_STRING_LENGTH}`));
  });

  it('stops list doubling at MAX_LIST_SIZE', () => {
    const error = failure(doubling(7, '[1, 2, 3, 4, 5, 6, 7, 8]'));
    expect(error.code).toBe('EXPRESSION_BUDGET_EXCEEDED');
    expect(error.message).toMatch(new RegExp(`list of \\d+ elements, over the limit of ${MAX_LIST_SIZE}`));
  });

  it('stops nested comprehensions over big lists by the step count', () => {
    const error = failure(`cel.bind(l, ${range(400)}, l.all(x, l.all(y, l.all(z, z >= 0))))`);
    expect(error.message).toMatch(new RegExp(`more than ${MAX_STEPS} evaluation steps`));
  });

  it('a budget overrun absorbed by exists() or || still fails the evaluation', () => {
    const blowup = doubling(8, '"xxxxxxxxxx"');
    expect(failure(`[1, 2].exists(i, i == 2 || ${blowup})`).code).toBe('EXPRESSION_BUDGET_EXCEEDED');
    expect(failure(`${blowup} || true`).code).toBe('EXPRESSION_BUDGET_EXCEEDED');
  });

  it('join() is checked before it builds its string', () => {
    const big = doubling(5, '"xxxxxxxxxx"', 8, (last) => `[${Array(40).fill(last).join(', ')}].join(",").size() > 0`);
    expect(failure(big).message).toMatch(/join\(\) would build a string/);
    expect(evaluate('["a", "b"].join("-") == "a-b"')).toBe(true);
  });

  it('just under the caps evaluates normally', () => {
    expect(evaluate(doubling(6, '"xxxxxxxxxx"', 8, (last) => `size(${last}) == 327680`))).toBe(true); // 10 * 8^5
    expect(evaluate(doubling(6, '[1, 2, 3]', 8, (last) => `size(${last}) == 98304`))).toBe(true); // 3 * 8^5
  });

  it('each evaluation gets a fresh meter', () => {
    // ~22k iterations, about half the step budget: five runs on one shared meter would exceed it.
    const result = scope.compile(`cel.bind(l, ${range(150)}, l.all(x, l.all(y, y >= 0)))`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    for (let i = 0; i < 5; i++) expect(result.program.evaluate(ctx)).toBe(true);
  });

  it('the meter stays exceeded once a limit is passed', () => {
    const meter = new EvaluationMeter();
    expect(() => meter.step(MAX_STEPS + 1)).toThrow(ExpressionBudgetError);
    expect(() => meter.step()).toThrow(ExpressionBudgetError);
  });
});

describe('deterministic failures are EXPRESSION_FAILED', () => {
  it.each([
    ['int(1e300) > 0', /overflow/],
    ['int(-1e300) < 0', /overflow/],
    ['uint(1e300) > 0u', /overflow/],
    ['1 / (size(record.name) - 3) == 0', /division by zero/],
    ['9223372036854775807 + 1 > 0', /overflow/],
    ['record.name.matches(record.name + "(") ', /invalid regular expression/],
    ['dyn(record.name) + 1 == 2', /no such overload/],
  ])('%s', (source, message) => {
    const error = failure(source);
    expect(error.code).toBe('EXPRESSION_FAILED');
    expect(error.message).toMatch(message);
  });

  it('int() of doubles inside int64 still works', () => {
    expect(evaluate('int(9.0e18) == 9000000000000000000')).toBe(true);
    expect(evaluate('int(-2.9) == -2')).toBe(true);
  });
});

describe('result size', () => {
  it('accepts a result up to MAX_RESULT_BYTES and rejects a larger one without serializing it first', () => {
    expect(() => assertResultSize('x'.repeat(MAX_RESULT_BYTES - 2), 'set.name')).not.toThrow();
    expect(() => assertResultSize('x'.repeat(MAX_RESULT_BYTES), 'set.name')).toThrow(ExpressionBudgetError);
    expect(() => assertResultSize(Array(200_000).fill('abcdef'), 'set.tags')).toThrow(/set\.tags: the result is larger than/);
    expect(() => assertResultSize({ a: [1, 2, { b: 'c' }] }, 'set.x')).not.toThrow();
  });
});

describe('classification for the step runner', () => {
  it('both codes are non-retryable step failure codes', () => {
    expect(FAILURE_CODES.EXPRESSION_FAILED.retryable).toBe(false);
    expect(FAILURE_CODES.EXPRESSION_BUDGET_EXCEEDED.retryable).toBe(false);
    expect(classifyFailure(new ExpressionError('division by zero'))).toMatchObject({ retryable: false, code: 'EXPRESSION_FAILED' });
    expect(classifyFailure(new ExpressionBudgetError('too big'))).toMatchObject({ retryable: false, code: 'EXPRESSION_BUDGET_EXCEEDED' });
    expect(classifyFailure(new Error('wrapped', { cause: new ExpressionBudgetError('too big') }))).toMatchObject({ retryable: false, code: 'EXPRESSION_BUDGET_EXCEEDED' });
  });
});
