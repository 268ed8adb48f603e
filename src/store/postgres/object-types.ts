// API-defined object type versions on the PostgreSQL store (port: Store.listObjectTypeVersions,
// listCurrentObjectTypes, insertObjectTypeVersion; test/contract/object-types.contract.ts).
import type pg from 'pg';
import type { ObjectTypeDefinition, ObjectTypeVersionRow } from '../../domain/object-type-versions.js';
import { Q } from './queries.js';

export const OBJECT_TYPE_Q = {
  /** $1 tenant, $2 type, $3 version, $4 definition (json text), $5 hash, $6 createdBy, $7 createdAt */
  insert: `INSERT INTO object_type_versions (tenant, type, version, definition, hash, created_by, created_at)
    VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) ON CONFLICT DO NOTHING`,
  /** $1 tenant */
  listAll: `SELECT * FROM object_type_versions WHERE tenant = $1 ORDER BY type, version`,
  /** $1 tenant, $2 type */
  listOfType: `SELECT * FROM object_type_versions WHERE tenant = $1 AND type = $2 ORDER BY version`,
  /** $1 tenant */
  listCurrent: `SELECT DISTINCT ON (type) * FROM object_type_versions WHERE tenant = $1 ORDER BY type, version DESC`,
} as const;

interface ObjectTypeSql { tenant: string; type: string; version: number; definition: ObjectTypeDefinition; hash: string; created_by: string; created_at: number }

type Rows = (text: string, values: unknown[]) => Promise<pg.QueryResultRow[]>;

const row = (r: ObjectTypeSql): ObjectTypeVersionRow => ({
  tenant: r.tenant, type: r.type, version: r.version, definition: r.definition, hash: r.hash, createdBy: r.created_by, createdAt: r.created_at,
});

export async function listObjectTypeVersions(rows: Rows, tenant: string, type?: string): Promise<ObjectTypeVersionRow[]> {
  const found = type === undefined ? await rows(OBJECT_TYPE_Q.listAll, [tenant]) : await rows(OBJECT_TYPE_Q.listOfType, [tenant, type]);
  return (found as ObjectTypeSql[]).map(row);
}

export async function listCurrentObjectTypes(rows: Rows, tenant: string): Promise<ObjectTypeVersionRow[]> {
  return ((await rows(OBJECT_TYPE_Q.listCurrent, [tenant])) as ObjectTypeSql[]).map(row);
}

export async function insertInTransaction(client: pg.ClientBase, v: ObjectTypeVersionRow): Promise<boolean> {
  const result = await client.query(OBJECT_TYPE_Q.insert, [v.tenant, v.type, v.version, JSON.stringify(v.definition), v.hash, v.createdBy, v.createdAt]);
  if ((result.rowCount ?? 0) === 0) return false;
  await client.query(Q.bumpRevision, [v.tenant]);
  return true;
}
