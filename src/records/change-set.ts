// Which fields a write changed. Pure.
import type { RecordData } from '../domain/types.js';

export function changedFields(before: RecordData | null, after: RecordData | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changed: string[] = [];
  for (const key of keys) {
    if (!sameValue(own(before, key), own(after, key))) changed.push(key);
  }
  return changed.sort();
}

// A key one side lacks reads as undefined, never as an Object.prototype member ("constructor").
function own(data: RecordData | null, key: string): unknown {
  return data && Object.hasOwn(data, key) ? data[key] : undefined;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
