import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorsMarkdown, workflowSchemaJson } from '../src/docs.js';

describe('generated documents are current (run `npm run docs` after changing them)', () => {
  it('schema/workflow.schema.json matches the definition schema', () => {
    expect(readFileSync('schema/workflow.schema.json', 'utf8')).toBe(workflowSchemaJson());
  });
  it('docs/errors.md matches the error registries', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(errorsMarkdown());
  });
});
