// Workflow files on disk: a file or every .yaml/.yml/.json in a folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDefinitionText } from '../definitions/validate.js';

export interface DefinitionFile {
  file: string;
  value: unknown;
}

export function definitionPaths(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => join(path, f));
}

export function readDefinitions(paths: string[]): DefinitionFile[] {
  return paths.flatMap(definitionPaths).map((file) => ({ file, value: parseDefinitionText(readFileSync(file, 'utf8'), file) }));
}
