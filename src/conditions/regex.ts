// `matches()` through RE2 (re2js, a pure-JS port): CEL specifies RE2 syntax, and RE2 matches in
// time linear in the input, so a hostile pattern such as ^(a+)+$ cannot stall the event loop the
// way JavaScript's backtracking RegExp does. RE2 has no backreferences or lookaround; patterns
// using them are invalid, as they are in every other CEL implementation.
import { RE2JS } from 're2js';
import { ExpressionBudgetError, ExpressionError } from './expression-errors.js';

/** Longest pattern accepted (characters). Real-world patterns (emails, phone numbers) are far shorter. */
export const MAX_PATTERN_LENGTH = 1024;
/** RE2's own measure of a compiled pattern's cost; bounds nested counted repeats like (a{100}){100}. */
export const MAX_PATTERN_PROGRAM_SIZE = 10_000;
/** Compiled patterns kept (least recently used dropped first). Patterns are usually literals, so few. */
export const PATTERN_CACHE_SIZE = 256;

const cache = new Map<string, RE2JS>();

/** The compiled pattern, or a typed error: invalid -> EXPRESSION_FAILED, too big -> EXPRESSION_BUDGET_EXCEEDED. */
export function compilePattern(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) {
    // Map keeps insertion order: re-inserting marks it most recently used.
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new ExpressionBudgetError(`regular expression is ${pattern.length} characters long, over the limit of ${MAX_PATTERN_LENGTH}`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    throw new ExpressionError(`invalid regular expression ${JSON.stringify(pattern)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (compiled.programSize() > MAX_PATTERN_PROGRAM_SIZE) {
    throw new ExpressionBudgetError(`regular expression ${JSON.stringify(pattern.slice(0, 80))} compiles to ${compiled.programSize()} instructions, over the limit of ${MAX_PATTERN_PROGRAM_SIZE}`);
  }
  cache.set(pattern, compiled);
  if (cache.size > PATTERN_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return compiled;
}

/** CEL `string.matches(pattern)`: true when the pattern matches any part of the input (RE2 PartialMatch). */
export function regexMatches(input: string, pattern: string): boolean {
  return compilePattern(pattern).test(input);
}

/** For tests and metrics: how many compiled patterns are cached. */
export function patternCacheSize(): number {
  return cache.size;
}
