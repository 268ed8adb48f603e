// Parsing and validating workflow definitions. Every problem names the file, the JSON pointer
// inside it and what is wrong.
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { validationError, type FieldProblem } from '../errors.js';
import { WorkflowShapeSchema, type WorkflowDefinition } from '../domain/workflow.js';
import { LOOKUP_CONDITION_SCHEMA, STEP_SCHEMAS } from './schema.js';
import { parseYamlText } from './yaml-text.js';

/** Parses YAML or JSON text (JSON is YAML) into a plain value, or throws WORKFLOW_INVALID. */
export function parseDefinitionText(text: string, file?: string): unknown {
  const result = parseYamlText(text);
  if (!result.ok) throw validationError(result.problems.map((message) => ({ file, path: '', message })), 'WORKFLOW_INVALID');
  return result.value;
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
  const problems = withLookupProblems(schemaProblems(WorkflowShapeSchema, value, '', file), value, file);
  if (problems.length === 0) {
    const def = value as WorkflowDefinition;
    def.actions.forEach((step, index) => {
      const schema = STEP_SCHEMAS.get(step.type);
      if (!schema) {
        problems.push({ file, path: `/actions/${index}/type`, message: `unknown action type "${step.type}" (known: ${[...STEP_SCHEMAS.keys()].join(', ')})` });
      } else {
        problems.push(...schemaProblems(schema, step, `/actions/${index}`, file));
      }
      // The step's own schema reports a fallback that is not a list of objects; skip those here.
      const fallbacks: unknown[] = Array.isArray(step.fallback) ? step.fallback : [];
      fallbacks.forEach((item, j) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
        const fb = item as { type?: unknown };
        const fbSchema = typeof fb.type === 'string' ? STEP_SCHEMAS.get(fb.type) : undefined;
        const at = `/actions/${index}/fallback/${j}`;
        if (!fbSchema) problems.push({ file, path: `${at}/type`, message: typeof fb.type === 'string' ? `unknown action type "${fb.type}"` : 'a fallback needs its action type (a string)' });
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

/**
 * A condition with a `lookup` key is checked against the lookup schema itself: the union's own
 * error ("Expected union value" at the condition) would not say which key is wrong.
 */
function withLookupProblems(problems: FieldProblem[], value: unknown, file?: string): FieldProblem[] {
  const conditions = (value as { conditions?: unknown } | null)?.conditions;
  if (!Array.isArray(conditions)) return problems;
  const out = [...problems];
  conditions.forEach((condition: unknown, index) => {
    if (typeof condition !== 'object' || condition === null || !Object.hasOwn(condition, 'lookup')) return;
    const at = `/conditions/${index}`;
    const own = schemaProblems(LOOKUP_CONDITION_SCHEMA, condition, at, file);
    const vague = out.findIndex((p) => p.path === at);
    if (vague >= 0) out.splice(vague, 1);
    out.push(...own.filter((p) => !out.some((q) => q.path === p.path)));
  });
  return out;
}
