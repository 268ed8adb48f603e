// Parsing and validating workflow definitions. Every problem names the file, the JSON pointer
// inside it and what is wrong.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { validationError, type FieldProblem } from '../errors.js';
import { STEP_SCHEMAS, WorkflowShapeSchema, type WorkflowDefinition } from './schema.js';

/** Parses YAML or JSON text (JSON is YAML) into a plain value, or throws WORKFLOW_INVALID. */
export function parseDefinitionText(text: string, file?: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw validationError(
      doc.errors.map((e) => ({ file, path: '', message: `${e.linePos ? `line ${e.linePos[0].line}: ` : ''}${e.message.split('\n')[0]}` })),
      'WORKFLOW_INVALID',
    );
  }
  return doc.toJS() as unknown;
}

export function schemaProblems(schema: TSchema, value: unknown, prefix = '', file?: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    const path = `${prefix}${error.path}`;
    // A union reports one vague error per branch; keep the first per path.
    if (problems.some((p) => p.path === path)) continue;
    problems.push({ file, path, message: describeError(error.message, error.schema, error.value) });
    if (problems.length >= 20) break;
  }
  return problems;
}

function describeError(message: string, schema: TSchema, value: unknown): string {
  if (schema.description && /pattern|union/i.test(message)) return `${message} (${schema.description})`;
  if (value === undefined) return `required property is missing`;
  return message;
}

/** Checks the definition's shape; returns it typed, or throws WORKFLOW_INVALID with every problem. */
export function validateDefinitionShape(value: unknown, file?: string): WorkflowDefinition {
  const problems = schemaProblems(WorkflowShapeSchema, value, '', file);
  if (problems.length === 0) {
    const def = value as WorkflowDefinition;
    def.actions.forEach((step, index) => {
      const schema = STEP_SCHEMAS[step.type];
      if (!schema) {
        problems.push({ file, path: `/actions/${index}/type`, message: `unknown action type "${step.type}" (known: ${Object.keys(STEP_SCHEMAS).join(', ')})` });
      } else {
        problems.push(...schemaProblems(schema, step, `/actions/${index}`, file));
      }
      (step.fallback ?? []).forEach((fb, j) => {
        const fbSchema = STEP_SCHEMAS[fb.type];
        const at = `/actions/${index}/fallback/${j}`;
        if (!fbSchema) problems.push({ file, path: `${at}/type`, message: `unknown action type "${fb.type}"` });
        else problems.push(...schemaProblems(fbSchema, { id: `${step.id}.fallback.${j}`, ...fb }, at, file));
      });
    });
    const ids = new Set<string>();
    def.actions.forEach((step, index) => {
      if (ids.has(step.id)) problems.push({ file, path: `/actions/${index}/id`, message: `duplicate step id "${step.id}"` });
      ids.add(step.id);
    });
  }
  if (problems.length > 0) throw validationError(problems, 'WORKFLOW_INVALID');
  return value as WorkflowDefinition;
}
