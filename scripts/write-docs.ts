// Writes the generated reference files: schema/workflow.schema.json (for editors) and
// docs/errors.md (the error registry). test/docs.test.ts fails when either drifts.
import { writeFileSync } from 'node:fs';
import { errorsMarkdown, workflowSchemaJson } from '../src/docs.js';

writeFileSync('schema/workflow.schema.json', workflowSchemaJson());
writeFileSync('docs/errors.md', errorsMarkdown());
process.stdout.write('wrote schema/workflow.schema.json and docs/errors.md\n');
