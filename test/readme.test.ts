// The README's examples stay true: its workflow validates and its configuration resolves.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveConfig } from '../src/config.js';
import { compileWorkflow } from '../src/definitions/compile.js';
import { parseDefinitionText, validateDefinitionShape } from '../src/definitions/validate.js';
import type { RawConfig } from '../src/config.js';

const readme = readFileSync('README.md', 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('README examples', () => {
  it('the workflow example is a valid workflow', () => {
    const text = yamlBlocks.find((b) => b.startsWith('id: flag-big-deals'));
    expect(text).toBeDefined();
    const definition = validateDefinitionShape(parseDefinitionText(text!, 'README.md'), 'README.md');
    expect(() => compileWorkflow(definition, resolveConfig({}).objectTypes, { tenant: 'default', version: 1 })).not.toThrow();
  });

  it('the configuration example resolves, and a missing secrets file is named', () => {
    const text = yamlBlocks.find((b) => b.startsWith('objects:'));
    expect(text).toBeDefined();
    const raw = parseDefinitionText(text!, 'README.md') as RawConfig;
    const env = { SMTP_USER: 'u', SMTP_PASS: 'p', SLACK_WEBHOOK: 'https://hooks.example.com/T0/B0/x', ACME_API_TOKEN: 'acme-0123456789abcdef' };
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
    writeFileSync(join(dir, 'secrets.yaml'), 'unused: value\n');
    const config = resolveConfig({ ...raw, secretsFile: join(dir, 'secrets.yaml') }, env);
    expect(config.connector('default', 'backup-smtp')?.secrets).toEqual({ user: 'u', pass: 'p' });
    expect(config.objectTypes.get('invoice')?.fields.number).toEqual({ type: 'string', required: true });
    expect(config.loopLimits('acme')).toEqual({ maxDepth: 5, budget: 50 });
    expect(() => resolveConfig(raw, env)).toThrow(/\/secretsFile: cannot read \/run\/secrets\/switchyard.yaml/);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'worker: { concurrency: 0 }\n');
    expect(() => loadConfig(file, {})).toThrow(/\/worker\/concurrency/);
  });

  it('the lookup example is a valid workflow against an http connector named scoring', () => {
    const text = yamlBlocks.find((b) => b.startsWith('id: score-big-deals'));
    expect(text).toBeDefined();
    const definition = validateDefinitionShape(parseDefinitionText(text!, 'README.md'), 'README.md');
    const wf = compileWorkflow(definition, resolveConfig({}).objectTypes, { tenant: 'default', version: 1, connectors: new Map([['scoring', 'http']]) });
    expect(wf.conditions.map((c) => c.lookup?.name ?? c.name)).toEqual(['customer_score', 'record.amount > 50000']);
    expect(() => compileWorkflow(definition, resolveConfig({}).objectTypes, { tenant: 'default', version: 1, connectors: new Map() })).toThrow(/not configured/);
  });
});
