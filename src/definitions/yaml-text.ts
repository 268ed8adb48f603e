// YAML (and JSON, which is YAML) text to a plain value, with bounds on what hostile text can cost:
// size, nesting depth and alias expansion are each checked before the step they would blow up.
import { Composer, Lexer, LineCounter, Parser, YAMLParseError, type CST, type Document } from 'yaml';

/** Text past this size is refused unparsed: YAML costs several ms per KiB to parse. */
export const MAX_YAML_TEXT = 256 * 1024;

/**
 * Collections may nest this deep. The yaml composer recurses per level; past ~1,000 levels it
 * overflows the stack, and V8 has been seen to abort the whole process (a fatal out-of-memory in
 * its regexp compiler) rather than throw, so depth is measured on the tokens first.
 */
export const MAX_YAML_DEPTH = 64;

/**
 * Aliases may expand to at most this many nodes in all: a "billion laughs" document (aliases of
 * aliases, each level nine times the last) is refused after a few hundred nodes, not expanded.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

export type YamlResult = { ok: true; value: unknown } | { ok: false; problems: string[] };

export function parseYamlText(text: string): YamlResult {
  if (text.length > MAX_YAML_TEXT) {
    return fail(`the document is ${Math.ceil(text.length / 1024)} KiB; at most ${MAX_YAML_TEXT / 1024} KiB is accepted`);
  }
  // The parser slows down badly on deep flow nesting (seconds for 100k levels); the lexer is
  // fast and lets us stop at the first bracket too many.
  if (flowDepth(text, MAX_YAML_DEPTH) > MAX_YAML_DEPTH) return tooDeep();
  // The parser keeps its own stack (no recursion), so its tokens can be measured safely.
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  if (tokens.some((token) => tokenDepth(token, MAX_YAML_DEPTH) > MAX_YAML_DEPTH)) return tooDeep();
  const doc = compose(tokens, text.length);
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => `${where(lines, e.pos[0])}: ${e.message.split('\n')[0] ?? e.message}`) };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) as unknown };
  } catch (error) {
    // toJS throws ReferenceError for an alias bomb and for an alias with no anchor before it:
    // both are the document's fault, not ours.
    if (!(error instanceof ReferenceError)) throw error;
    return fail(aliasMessage(error.message));
  }
}

/** parseDocument's body, fed the tokens already parsed: one document, keys unique. */
function compose(tokens: CST.Token[], length: number): Document.Parsed {
  let doc: Document.Parsed | undefined;
  for (const next of new Composer({ uniqueKeys: true }).compose(tokens, true, length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; send one'));
      break;
    }
  }
  return doc as Document.Parsed; // compose(…, true) always yields one
}

/** Depth of [ ] and { } nesting by the lexer's tokens (a bracket inside a quoted string is part of a scalar token). */
function flowDepth(text: string, limit: number): number {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > limit) return depth;
    } else if (token === ']' || token === '}') depth = Math.max(0, depth - 1);
  }
  return depth;
}

/** How deep collections nest in one CST token, by an iterative walk; stops once past `limit`. */
function tokenDepth(root: CST.Token, limit: number): number {
  let max = 0;
  const stack: { token: CST.Token | undefined; depth: number }[] = [{ token: root, depth: 0 }];
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token | undefined; depth: number };
    if (!token) continue;
    if (token.type === 'document') stack.push({ token: token.value, depth });
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      const inner = depth + 1;
      if (inner > limit) return inner;
      max = Math.max(max, inner);
      for (const item of token.items) stack.push({ token: item.key ?? undefined, depth: inner }, { token: item.value, depth: inner });
    }
  }
  return max;
}

/** "line 3, column 7" (both 1-based, as editors count) for an offset into the text. */
function where(lines: LineCounter, offset: number): string {
  const { line, col } = lines.linePos(offset);
  return `line ${line}, column ${col}`;
}

function aliasMessage(message: string): string {
  if (/excessive alias count/i.test(message)) return `aliases expand to more than ${MAX_YAML_ALIAS_COUNT} nodes (a YAML alias bomb?); write the values out`;
  const unresolved = /^Unresolved alias.*?: (.*)$/.exec(message);
  if (unresolved) return `alias *${unresolved[1]} has no anchor &${unresolved[1]} before it`;
  return message.split('\n')[0] ?? message;
}

function fail(problem: string): YamlResult {
  return { ok: false, problems: [problem] };
}

function tooDeep(): YamlResult {
  return fail(`collections nest more than ${MAX_YAML_DEPTH} levels deep`);
}
