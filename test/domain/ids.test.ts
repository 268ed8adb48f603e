import { describe, expect, it } from 'vitest';
import { newRowId } from '../../src/domain/ids.js';

describe('row ids', () => {
  it('are version 7 UUIDs', () => {
    expect(newRowId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sort in the order they were made, also many in one millisecond (their index entries append)', () => {
    const ids = Array.from({ length: 5000 }, () => newRowId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
