// Hostile CEL expressions, generated from families of known attacks. Each must be rejected at
// compile time, or evaluate to a plain JSON value, or throw a typed ExpressionError, within a
// generous time bound, and the heap must stay bounded across the whole suite. Nothing may hand
// back a JavaScript global (a function, a prototype, `process`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BIND_NESTING, MAX_MACRO_NESTING, MAX_PARSE_DEPTH, MAX_TREE_DEPTH } from '../../src/conditions/budget.js';
import { CelScope, type CelContext } from '../../src/conditions/cel.js';
import { ExpressionError } from '../../src/conditions/expression-errors.js';
import { BUILT_IN_TYPES } from '../../src/records/object-types.js';

interface Case {
  family: string;
  source: string;
  /** What must happen beyond the common checks: not a value (rejected or a typed error), or a given code. */
  expect?: 'not-a-value' | 'EXPRESSION_FAILED' | 'EXPRESSION_BUDGET_EXCEEDED' | 'rejected';
}

const range = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;

function doubling(levels: number, seed: string, fan: number, body = (last: string) => `size(${last}) > 0`): string {
  let expr = body(`v${levels}`);
  for (let i = levels; i >= 1; i--) {
    const value = i === 1 ? seed : Array(fan).fill(`v${i - 1}`).join(' + ');
    expr = `cel.bind(v${i}, ${value}, ${expr})`;
  }
  return expr;
}

function cases(): Case[] {
  const out: Case[] = [];
  const add = (family: string, source: string, expectation?: Case['expect']) => out.push({ family, source, expect: expectation });

  // 1. nested cel.bind + string concatenation (the crash report's shape), inside and past the bind limit
  for (const levels of [4, 6, 7, 8, 9, 10, 12]) {
    for (const fan of [2, 8]) add('bind-concat', doubling(levels, '"xxxxxxxxxx"', fan), levels > MAX_BIND_NESTING ? 'rejected' : undefined);
  }
  add('bind-concat', doubling(8, '"xxxxxxxxxx"', 8), 'EXPRESSION_BUDGET_EXCEEDED');
  add('bind-concat', doubling(8, 'record.name', 8, (last) => `${last}.contains("z")`), 'EXPRESSION_BUDGET_EXCEEDED');
  add('bind-concat', doubling(8, '"ab"', 8, (last) => `${last}.startsWith("a")`), 'EXPRESSION_BUDGET_EXCEEDED');
  add('bind-concat', doubling(8, '"x"', 8, (last) => `${last} == ${last}`), 'EXPRESSION_BUDGET_EXCEEDED');

  // 2. list doubling via +
  for (const levels of [3, 5, 6, 7, 8]) {
    for (const seed of ['[1, 2, 3, 4, 5, 6, 7, 8]', '["aaaaaaaa", "b"]', `${range(50)}`]) add('list-doubling', doubling(levels, seed, 8));
  }
  add('list-doubling', doubling(7, '[1, 2, 3, 4, 5, 6, 7, 8]', 8, (last) => `${last}.exists(x, x == 9)`), 'EXPRESSION_BUDGET_EXCEEDED');
  add('list-doubling', doubling(6, '[[1, 2], [3, 4]]', 8, (last) => `size(${last}.map(x, x + x)) > 0`));

  // 3. comprehensions nested in each other over big ranges
  const macros = [
    (v: string, body: string) => `l.map(${v}, ${body})`,
    (v: string, body: string) => `l.filter(${v}, size([${body}]) > 0)`,
    (v: string, body: string) => `l.all(${v}, ${body} != null)`,
    (v: string, body: string) => `l.exists(${v}, ${body} == null)`,
    (v: string, body: string) => `l.exists_one(${v}, ${body} == null)`,
  ];
  for (const n of [50, 300, 1000]) {
    for (let depth = 2; depth <= MAX_MACRO_NESTING + 1; depth++) {
      for (let m = 0; m < macros.length; m += 2) {
        let body = 'x1';
        for (let d = depth; d >= 1; d--) body = macros[(m + d) % macros.length]!(`x${d}`, body);
        add('macro-nesting', `cel.bind(l, ${range(n)}, size([${body}]) > 0)`, depth > MAX_MACRO_NESTING ? 'rejected' : undefined);
      }
    }
  }
  add('macro-nesting', `cel.bind(l, ${range(1000)}, l.map(x, l.map(y, l.map(z, x + y + z))).size() > 0)`, 'EXPRESSION_BUDGET_EXCEEDED');
  add('macro-nesting', `cel.bind(l, ${range(1000)}, l.all(x, x in l))`);
  add('macro-nesting', `cel.bind(l, ${range(1000)}, cel.bind(m, ${Array(64).fill('l').join(' + ')}, m.all(x, x in m)))`, 'EXPRESSION_BUDGET_EXCEEDED');

  // 4. catastrophic regexes (exponential on a backtracking engine)
  const evil = ['^(a+)+$', '^(a|aa)+$', '^(a*)*b$', '(x+x+)+y', '^(([a-z])+.)+[A-Z]([a-z])+$', '(.*a){20}', '^(a|a?)+$', '(\\\\w+\\\\s?)+$'];
  for (const pattern of evil) {
    add('regex', `"${'a'.repeat(27)}!".matches("${pattern}")`);
    add('regex', `cel.bind(s, "${'a'.repeat(40)}", (s + s + s + s + "!").matches("${pattern}"))`);
  }
  add('regex', '"aa".matches("(a)\\\\1")', 'rejected');
  add('regex', 'record.name.matches(record.email)', 'EXPRESSION_FAILED');
  add('regex', `record.name.matches("${'(a'.repeat(30)}${')'.repeat(30)}")`);
  add('regex', 'record.name.matches("((a{100}){100}){100}")', 'rejected');

  // 5. huge strings via concatenation and join
  add('string-repeat', `cel.bind(s, "${'y'.repeat(4000)}", cel.bind(t, ${Array(16).fill('s').join(' + ')}, cel.bind(u, ${Array(17).fill('t').join(' + ')}, size(u) > 0)))`, 'EXPRESSION_BUDGET_EXCEEDED');
  add('string-repeat', `cel.bind(s, "${'y'.repeat(4000)}", cel.bind(t, ${Array(16).fill('s').join(' + ')}, [${Array(40).fill('t').join(', ')}].join("").size() > 0))`, 'EXPRESSION_BUDGET_EXCEEDED');
  add('string-repeat', `${Array(900).fill('"abcdefgh"').join(' + ')} != ""`);
  add('string-repeat', doubling(6, '"xxxxxxxxxx"', 8, (last) => `${range(200)}.map(i, ${last} + string(i)).size() > 0`), 'EXPRESSION_BUDGET_EXCEEDED');
  add('string-repeat', doubling(5, '"xxxxxxxxxx"', 8, (last) => `${last}.split("").size() > 0`));
  add('string-repeat', doubling(6, 'b"xxxxxxxxxx"', 8, (last) => `size(${last}) > 0`));
  add('string-repeat', doubling(7, 'b"xxxxxxxxxx"', 8, (last) => `size(${last}) > 0`), 'EXPRESSION_BUDGET_EXCEEDED');

  // 6. deep nesting just under and over the parse / tree limits
  const nestings: [string, (n: number) => string][] = [
    ['parens', (n) => `${'('.repeat(n)}1${')'.repeat(n)} == 1`],
    ['lists', (n) => `size(${'['.repeat(n)}1${']'.repeat(n)}) == 1`],
    ['maps', (n) => `size(${'{"a": '.repeat(n)}1${'}'.repeat(n)}) == 1`],
    ['ternaries', (n) => `(${'true ? '.repeat(n)}1${' : 0'.repeat(n)}) == 1`],
    ['calls', (n) => `${'string('.repeat(n)}1${')'.repeat(n)} == "1"`],
  ];
  for (const [name, make] of nestings) {
    add(`nesting-${name}`, make(Math.floor(MAX_PARSE_DEPTH / 2) - 4));
    add(`nesting-${name}`, make(MAX_PARSE_DEPTH + 4), 'rejected');
  }
  add('nesting-unary', `${'!'.repeat(MAX_TREE_DEPTH - 4)}true`);
  add('nesting-unary', `${'!'.repeat(MAX_TREE_DEPTH + 4)}true`, 'rejected');
  add('nesting-unary', `${'-'.repeat(MAX_TREE_DEPTH + 4)}1 == 1`, 'rejected');
  add('nesting-chain', `${Array(MAX_TREE_DEPTH + 10).fill('1').join(' + ')} > 0`, 'rejected');
  add('nesting-nodes', `${Array(2100).fill('1').join(',')}`.replace(/^/, '[').replace(/$/, '].size() > 0'), 'rejected');

  // 7. int / double overflow
  for (const source of ['int(1e300) > 0', 'int(-1e300) < 0', 'int(1.8e19) > 0', 'int(9.3e18) > 0', '9223372036854775807 + 1 > 0',
    '-9223372036854775808 - 1 < 0', '9223372036854775807 * 2 > 0', '-(-9223372036854775807 - 1) > 0', 'int("99999999999999999999") > 0',
    'uint(-1.0) > 0u', 'uint(1e300) > 0u', '18446744073709551615u + 1u > 0u', '1 / 0 == 0', '1 % 0 == 0']) add('overflow', source, 'EXPRESSION_FAILED');
  add('overflow', '1e308 * 10.0 > 0.0');
  add('overflow', 'double("1e400") > 0.0');

  // 8. reaching for JavaScript globals
  for (const name of ['constructor', '__proto__', 'this', 'process', 'globalThis', 'Function', 'prototype', 'eval', 'require', 'module', 'window', 'Object']) {
    add('js-global', `${name} != null`, 'not-a-value');
    add('js-global', `record.${name} != null`, 'not-a-value');
    add('js-global', `steps.${name} != null`, 'not-a-value');
    add('js-global', `steps["${name}"] != null`, 'not-a-value');
    add('js-global', `{"${name}": 1}.${name} == 1`, ['constructor', '__proto__', 'prototype'].includes(name) ? 'not-a-value' : undefined);
  }
  for (const source of ['"".constructor', '[].constructor', '{}.constructor', 'record.name.constructor', 'dyn(record).constructor',
    'dyn(record)["__proto__"]', '{}.hasOwnProperty', 'steps.toString', 'dyn(now).constructor',
    'changed.constructor', 'record.__proto__.__proto__', 'cel.constructor', 'cel.bind.constructor', 'dyn(cel).constructor',
    'type(record).constructor', '[1].map(x, x.constructor)', 'record["constructor"]["constructor"]("return process")']) add('js-global', source, 'not-a-value');
  add('js-global', 'dyn(record).constructor.constructor("return process")()', 'rejected');
  add('js-global', '!has(steps.constructor) && !has(steps.__proto__) && !("constructor" in steps)');
  return out;
}

const scope = new CelScope({ name: 'lead', ...BUILT_IN_TYPES.lead! });
const context = (): CelContext => ({
  record: { name: 'Ada', email: '(a)\\1', score: 3 }, previous: {}, changed: ['name'], now: 0, steps: { call: { ok: true } },
});
const BOUND_MS = 1000;
const ALL = cases();
const summary = { rejected: 0, failed: 0, exceeded: 0, values: 0, maxMs: 0, maxSource: '' };
let heapBefore = 0;

/** A plain JSON value: no functions, no objects but arrays and plain (Object / null prototype) maps. */
function isPlainJson(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainJson);
}

describe('hostile expressions', () => {
  beforeAll(() => { heapBefore = process.memoryUsage().heapUsed; });
  afterAll(() => {
    const growth = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(`hostile expressions: ${ALL.length} cases; rejected at compile ${summary.rejected}, EXPRESSION_FAILED ${summary.failed}, `
      + `EXPRESSION_BUDGET_EXCEEDED ${summary.exceeded}, values ${summary.values}; slowest ${summary.maxMs.toFixed(1)} ms `
      + `(${summary.maxSource.slice(0, 70)}...); heap growth ${growth.toFixed(1)} MB`);
  });

  it('covers at least 100 generated cases across the families', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ALL.map((c) => c.family.split('-')[0])).size).toBeGreaterThanOrEqual(8);
  });

  it.each(ALL.map((c, i) => [`${i} ${c.family}: ${c.source.slice(0, 60)}`, c] as const))('%s', (_name, c) => {
    const compiled = scope.compile(c.source);
    if (!compiled.ok) {
      summary.rejected++;
      expect(compiled.error.length).toBeGreaterThan(0);
      expect(c.expect === undefined || c.expect === 'rejected' || c.expect === 'not-a-value').toBe(true);
      return;
    }
    expect(c.expect).not.toBe('rejected');
    const started = performance.now();
    let outcome: { value: unknown } | { error: unknown };
    try {
      outcome = { value: compiled.program.evaluate(context()) };
    } catch (error) {
      outcome = { error };
    }
    const elapsed = performance.now() - started;
    if (elapsed > summary.maxMs) Object.assign(summary, { maxMs: elapsed, maxSource: c.source });
    expect(elapsed).toBeLessThan(BOUND_MS);
    if ('error' in outcome) {
      expect(outcome.error).toBeInstanceOf(ExpressionError);
      const code = (outcome.error as ExpressionError).code;
      if (code === 'EXPRESSION_FAILED') summary.failed++;
      else summary.exceeded++;
      if (c.expect === 'EXPRESSION_FAILED' || c.expect === 'EXPRESSION_BUDGET_EXCEEDED') expect(code).toBe(c.expect);
    } else {
      summary.values++;
      expect(isPlainJson(outcome.value)).toBe(true);
      expect(c.expect).toBeUndefined();
    }
  });

  it('the heap stays bounded across the suite', () => {
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 2 ** 20);
  });
});
