// Friendlier CEL for workflow authors, applied at compile time (cel.ts):
// - CEL does not mix int and double, and every `number` field is a double, so `record.score + 10`
//   and `record.amount == 100` fail type checking ("no such overload: double + int"). An int
//   literal that meets a double operand is rewritten to the double literal the author meant
//   (`10` -> `10.0`) and the expression checked again; what cannot be rewritten (an int field or
//   expression) gets an error that says what to write.
// - An unquoted word (`high`) is an unknown variable to CEL; the error says to quote it.
// Pure: works on the checker's error, which names the failing node and its operands' types.

/** Rewrites per expression at most this many literals (each costs one more parse and check). */
export const MAX_LITERAL_PROMOTIONS = 16;

/** Operators with int and double overloads but none mixing them (`%` has no double one at all). */
const MIXING_OPERATORS = new Set(['+', '-', '*', '/', '==', '!=', '<', '<=', '>', '>=']);

/** The part of a cel-js AST node the checker's error points at (positions are in the checked text). */
interface CheckedNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
  checkedType?: { type?: string };
}

function nodeOf(error: unknown): CheckedNode | undefined {
  const node = (error as { node?: unknown } | undefined)?.node;
  if (node === null || typeof node !== 'object') return undefined;
  const n = node as Partial<CheckedNode>;
  return typeof n.op === 'string' && typeof n.start === 'number' && typeof n.end === 'number' ? (n as CheckedNode) : undefined;
}

function operands(node: CheckedNode): [CheckedNode, CheckedNode] | undefined {
  if (!MIXING_OPERATORS.has(node.op) || !Array.isArray(node.args) || node.args.length !== 2) return undefined;
  const [left, right] = node.args.map((a: unknown) => nodeOf({ node: a }));
  return left && right ? [left, right] : undefined;
}

const typeOf = (node: CheckedNode): string | undefined => node.checkedType?.type;

/** An int literal as written: `10`, or `-10` (unary minus over a literal). */
function isIntLiteral(node: CheckedNode): boolean {
  if (node.op === 'value') return typeof node.args === 'bigint' && typeOf(node) === 'int';
  if (node.op === '-_') {
    const args: unknown = node.args;
    const inner = nodeOf({ node: Array.isArray(args) ? (args as unknown[])[0] : args });
    return inner !== undefined && isIntLiteral(inner);
  }
  return false;
}

/**
 * When the check failed because an int literal meets a double operand, the text with that
 * literal written as a double (`10.0`, or `double(0x10)` for other spellings); else undefined.
 */
export function promoteIntLiteral(text: string, error: unknown): string | undefined {
  const node = nodeOf(error);
  const pair = node && operands(node);
  if (!pair) return undefined;
  const [left, right] = pair;
  const literal = isIntLiteral(left) && typeOf(right) === 'double' ? left : isIntLiteral(right) && typeOf(left) === 'double' ? right : undefined;
  if (!literal) return undefined;
  const written = text.slice(literal.start, literal.end);
  const asDouble = /^-?\d+$/.test(written) ? `${written}.0` : `double(${written})`;
  return `${text.slice(0, literal.start)}${asDouble}${text.slice(literal.end)}`;
}

/** The checker's first line, with what to write instead when we can tell. */
export function explainCheckError(message: string, text: string, error: unknown): string {
  const unknown = /^Unknown variable: ([A-Za-z_][A-Za-z0-9_]*)$/.exec(message);
  if (unknown) return `${message} (if you meant the text ${unknown[1]}, quote it: "${unknown[1]}", written '"${unknown[1]}"' in YAML)`;
  const mixed = /^no such overload: (int|double) (\S+) (int|double)$/.exec(message);
  if (mixed && mixed[1] !== mixed[3]) {
    const node = nodeOf(error);
    if (mixed[2] === '%') {
      const doubleSide = Array.isArray(node?.args) ? node.args.map((a: unknown) => nodeOf({ node: a })).find((n) => n && typeOf(n) === 'double') : undefined;
      return `${message}: % works on int only; write int(${doubleSide ? text.slice(doubleSide.start, doubleSide.end) : '...'})`;
    }
    const pair = node && operands(node);
    const intSide = pair?.find((n) => typeOf(n) === 'int');
    if (intSide) {
      const written = text.slice(intSide.start, intSide.end);
      const fix = isIntLiteral(intSide) && /^-?\d+$/.test(written) ? `${written}.0` : `double(${written})`;
      return `${message}: CEL does not mix int and double; write ${fix} instead of ${written}`;
    }
    return `${message}: CEL does not mix int and double; write number literals with a decimal point (10.0) or convert with double(...)`;
  }
  return message;
}

/**
 * A parse error on text that is just words ("High Priority"): almost always a string value the
 * author forgot to quote. Undefined when the text does not look like that.
 */
export function unquotedTextHint(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z][A-Za-z0-9_' -]*$/.test(trimmed) || !/\s/.test(trimmed)) return undefined;
  return `if you meant the text ${trimmed}, quote it: ${JSON.stringify(trimmed)}, written '${JSON.stringify(trimmed)}' in YAML`;
}

/**
 * The same mix met at run time, through `dyn` (a step's JSON result: its numbers are doubles), when
 * the checker could not see it: the message says what to write.
 */
export function runtimeOverloadHint(message: string): string {
  const mixed = /^no such overload: (?:dyn<)?(int|double)>? (\S+) (?:dyn<)?(int|double)>?$/.exec(message);
  if (!mixed || mixed[1] === mixed[3]) return message;
  return `${message}: CEL does not mix int and double, and numbers from JSON (step results) are doubles; write 1.0 rather than 1, or convert with double(...) or int(...)`;
}
