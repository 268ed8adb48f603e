// Hostile YAML workflow definitions are a 400 WORKFLOW_INVALID with a clear message, decided
// before the expensive or dangerous step: an alias bomb ("billion laughs") is refused after a
// bounded expansion, an undefined alias is named, deep nesting is measured on the tokens before
// the (recursive) composer sees it, and oversized text is not parsed at all. Nothing is deployed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDefinitionText } from '../../src/definitions/validate.js';
import { MAX_YAML_DEPTH, MAX_YAML_TEXT } from '../../src/definitions/yaml-text.js';
import { testApi, type TestApi } from '../helpers/api.js';

let api: TestApi;
beforeEach(async () => { api = await testApi(); });
afterEach(async () => { await api.close(); });

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. */
const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((name, i) => {
    const prev = String.fromCharCode('a'.charCodeAt(0) + i);
    return `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
  'id: wf', 'name: *i', 'object: lead', 'trigger: { on: created }', 'actions: [{ id: a, type: record.delete }]',
].join('\n');

const deepFlow = (levels: number): string => `id: wf\nname: ${'['.repeat(levels)}${']'.repeat(levels)}\n`;
const deepBlock = (levels: number): string => `id: wf\nname:\n${Array.from({ length: levels }, (_, i) => `${' '.repeat(i + 1)}-`).join('\n')}\n`;

async function deployYaml(payload: string): Promise<{ statusCode: number; code: string; detail: string; type: string | undefined }> {
  const res = await api.app.inject({ method: 'PUT', url: '/v1/workflows/wf', headers: { 'content-type': 'application/yaml' }, payload });
  const body = res.json<{ code: string; detail: string }>();
  return { statusCode: res.statusCode, code: body.code, detail: body.detail, type: res.headers['content-type'] };
}

describe('hostile YAML definitions', () => {
  it.each([
    ['a billion-laughs alias bomb', BILLION_LAUGHS, /aliases expand to more than \d+ nodes/],
    ['an alias with no anchor', 'id: wf\nname: *nowhere\nobject: lead\n', /alias \*nowhere has no anchor &nowhere/],
    ['flow collections 10,000 deep', deepFlow(10_000), /nest more than 64 levels/],
    ['flow collections 100,000 deep, never closed', `id: wf\nname: ${'['.repeat(100_000)}\n`, /nest more than 64 levels/],
    ['block sequences 600 deep', deepBlock(600), /nest more than 64 levels/],
    ['compact sequences 50,000 deep', `id: wf\nname: ${'- '.repeat(50_000)}x\n`, /nest more than 64 levels|line \d+/],
  ])('%s: 400 WORKFLOW_INVALID, no version', async (_name, payload, message) => {
    const res = await deployYaml(payload);
    expect(res.statusCode).toBe(400);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.code).toBe('WORKFLOW_INVALID');
    expect(res.detail).toMatch(message);
    expect(await api.engine.store.listWorkflows('default')).toEqual([]);
  });

  it('YAML text over the size limit is refused before it is read whole: 413, no version', async () => {
    const res = await deployYaml(`id: wf\ndescription: "${'x'.repeat(MAX_YAML_TEXT)}"\n`);
    expect(res.statusCode).toBe(413);
    expect(res.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await api.engine.store.listWorkflows('default')).toEqual([]);
  });

  it('survives many deep documents in a row (no process abort, each one refused)', async () => {
    // Before the depth check, this sequence aborted node with a fatal out-of-memory error.
    for (const payload of [deepFlow(10_000), deepBlock(3_000).slice(0, MAX_YAML_TEXT), deepFlow(20_000), deepBlock(700)]) {
      expect((await deployYaml(payload)).statusCode).toBe(400);
    }
    expect(await api.engine.store.listWorkflows('default')).toEqual([]);
  });

  it('still accepts aliases used sparingly and nesting up to the limit', () => {
    expect(parseDefinitionText('base: &b { x: 1 }\ncopy: *b\n')).toEqual({ base: { x: 1 }, copy: { x: 1 } });
    const nested = parseDefinitionText(`a: ${'['.repeat(MAX_YAML_DEPTH - 1)}${']'.repeat(MAX_YAML_DEPTH - 1)}`) as { a: unknown };
    let depth = 0;
    for (let v: unknown = nested.a; Array.isArray(v); v = v[0]) depth++;
    expect(depth).toBe(MAX_YAML_DEPTH - 1);
    expect(() => parseDefinitionText(`a: ${'['.repeat(MAX_YAML_DEPTH)}${']'.repeat(MAX_YAML_DEPTH)}`)).toThrow(/nest more than/);
  });

  it('a YAML syntax error names its line and column', () => {
    expect(() => parseDefinitionText('id: wf\nname: [unclosed\n')).toThrow(/line \d+, column \d+:/);
  });

  it('refuses the bomb quickly', async () => {
    const started = performance.now();
    expect((await deployYaml(BILLION_LAUGHS)).statusCode).toBe(400);
    expect(performance.now() - started).toBeLessThan(5_000); // generous: it takes milliseconds
  });
});

describe('YAML files (CLI, config) over the size limit', () => {
  it('are refused unparsed, naming the file', () => {
    const text = `id: wf\ndescription: "${'x'.repeat(MAX_YAML_TEXT)}"\n`;
    expect(() => parseDefinitionText(text, 'big.yaml')).toThrow(/big\.yaml: \/: .*at most 256 KiB/);
  });
});
