// `matches()` runs on RE2 (re2js): RE2 syntax and semantics, linear time, cached patterns, and
// invalid or oversized patterns rejected with a typed error (at compile time when literal).
import { describe, expect, it } from 'vitest';
import { CelScope, type CelContext } from '../../src/conditions/cel.js';
import { ExpressionBudgetError, ExpressionError } from '../../src/conditions/expression-errors.js';
import { compilePattern, MAX_PATTERN_LENGTH, PATTERN_CACHE_SIZE, patternCacheSize, regexMatches } from '../../src/conditions/regex.js';
import { BUILT_IN_TYPES } from '../../src/records/object-types.js';

const scope = new CelScope({ name: 'lead', ...BUILT_IN_TYPES.lead! });
const ctx = (record: Record<string, string> = {}): CelContext => ({ record, previous: {}, changed: [], now: 0 });

function run(source: string, record: Record<string, string> = {}): unknown {
  const result = scope.compile(source);
  if (!result.ok) throw new Error(`compile error: ${result.error}`);
  return result.program.evaluate(ctx(record));
}

describe('matches() has RE2 semantics', () => {
  it.each([
    ['"abc".matches("^a.c$")', true],
    ['"abc".matches("b")', true], // a partial match, as in every CEL implementation
    ['"abc".matches("^b")', false],
    ['"ABC".matches("(?i)abc")', true],
    ['"a\\nb".matches("^b$")', false], // without (?m), ^ and $ anchor the whole text
    ['"a\\nb".matches("(?m)^b$")', true],
    ['"héllo".matches("^h.llo$")', true], // . is one code point
    ['"2024-01-31".matches("^\\\\d{4}-\\\\d{2}-\\\\d{2}$")', true],
  ])('%s is %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('a literal backreference or lookahead is a compile error (RE2 has neither)', () => {
    for (const pattern of ['(a)\\\\1', '(?=a)', '(?<!a)b']) {
      const result = scope.compile(`record.name.matches("${pattern}")`);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/invalid regular expression/);
    }
  });

  it('a dynamic invalid pattern fails at run time with EXPRESSION_FAILED', () => {
    expect(() => run('record.name.matches(record.email)', { name: 'aa', email: '(a)\\1' })).toThrow(ExpressionError);
    try {
      run('record.name.matches(record.email)', { name: 'aa', email: '([a' });
    } catch (error) {
      expect((error as ExpressionError).code).toBe('EXPRESSION_FAILED');
    }
  });

  it('a catastrophic pattern for backtracking engines answers quickly', () => {
    const started = performance.now();
    expect(run(`"${'a'.repeat(27)}!".matches("^(a+)+$")`)).toBe(false);
    expect(run('record.name.matches("^(a|aa)+$")', { name: `${'a'.repeat(5000)}!` })).toBe(false);
    expect(run('record.name.matches("(x+x+)+y")', { name: 'x'.repeat(20_000) })).toBe(false);
    const elapsed = performance.now() - started;
    console.log(`catastrophic regexes on RE2: ${elapsed.toFixed(1)} ms`);
    expect(elapsed).toBeLessThan(1000);
  });

  it('rejects patterns over MAX_PATTERN_LENGTH, also at compile time', () => {
    expect(() => compilePattern('a'.repeat(MAX_PATTERN_LENGTH + 1))).toThrow(ExpressionBudgetError);
    expect(scope.compile(`record.name.matches("${'a'.repeat(MAX_PATTERN_LENGTH + 1)}")`).ok).toBe(false);
    expect(() => compilePattern('a'.repeat(MAX_PATTERN_LENGTH))).not.toThrow();
  });

  it('rejects patterns whose compiled program is too large', () => {
    expect(() => compilePattern('((a{100}){100}){100}')).toThrow(ExpressionError);
  });

  it('keeps a bounded cache of compiled patterns', () => {
    for (let i = 0; i < PATTERN_CACHE_SIZE + 50; i++) expect(regexMatches(`x${i}y`, `^x${i}y$`)).toBe(true);
    expect(patternCacheSize()).toBe(PATTERN_CACHE_SIZE);
    expect(compilePattern('^x300y$')).toBe(compilePattern('^x300y$'));
  });

  it('a non-string receiver through dyn is no such overload', () => {
    expect(() => run('dyn(1).matches("1")')).toThrow(/no such overload|found no matching overload/);
  });
});
