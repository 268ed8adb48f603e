// Generated reference documents, kept in the repository and checked by a test.
import { FAILURE_CODES } from './failures/action-failures.js';
import { WorkflowSchema } from './definitions/schema.js';
import { ERRORS } from './errors.js';

export function workflowSchemaJson(): string {
  return `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...WorkflowSchema }, null, 2)}\n`;
}

export function errorsMarkdown(): string {
  const api = Object.entries(ERRORS).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.retryable ? 'yes' : 'no'} | ${e.title} |`);
  const steps = Object.entries(FAILURE_CODES).map(([code, f]) => `| \`${code}\` | ${f.retryable ? 'yes' : 'no'} | ${f.title} |`);
  return [
    '# Error codes',
    '',
    'Generated from `src/errors.ts` and `src/failures/action-failures.ts` by `npm run docs`; a test fails when this file drifts.',
    '',
    '## API and engine errors (problem+json `code`)',
    '',
    '| code | HTTP status | retryable | meaning |',
    '| --- | --- | --- | --- |',
    ...api,
    '',
    '## Step failure codes (attempts and dead letters)',
    '',
    '| code | retryable | meaning |',
    '| --- | --- | --- |',
    ...steps,
    '',
  ].join('\n');
}
