// API-defined object type versions on the SQLite store (port: Store.listObjectTypeVersions,
// listCurrentObjectTypes, insertObjectTypeVersion; test/contract/object-types.contract.ts).
import type { ObjectTypeDefinition, ObjectTypeVersionRow } from '../../domain/object-type-versions.js';
import type { SqliteConnection } from './connection.js';
import { Q } from './queries.js';

export const OBJECT_TYPE_Q = {
  insert: `INSERT INTO object_type_versions (tenant, type, version, definition, hash, created_by, created_at)
    VALUES (@tenant, @type, @version, @definition, @hash, @createdBy, @createdAt) ON CONFLICT DO NOTHING`,
  listAll: `SELECT * FROM object_type_versions WHERE tenant = @tenant ORDER BY type, version`,
  listOfType: `SELECT * FROM object_type_versions WHERE tenant = @tenant AND type = @type ORDER BY version`,
  listCurrent: `SELECT v.* FROM object_type_versions v
    WHERE v.tenant = @tenant AND v.version = (SELECT MAX(version) FROM object_type_versions m WHERE m.tenant = v.tenant AND m.type = v.type)
    ORDER BY v.type`,
} as const;

interface ObjectTypeSql { tenant: string; type: string; version: number; definition: string; hash: string; created_by: string; created_at: number }

const row = (r: ObjectTypeSql): ObjectTypeVersionRow => ({
  tenant: r.tenant, type: r.type, version: r.version, definition: JSON.parse(r.definition) as ObjectTypeDefinition,
  hash: r.hash, createdBy: r.created_by, createdAt: r.created_at,
});

export function listObjectTypeVersions(conn: SqliteConnection, tenant: string, type?: string): ObjectTypeVersionRow[] {
  return type === undefined
    ? conn.all<ObjectTypeSql>(OBJECT_TYPE_Q.listAll, { tenant }).map(row)
    : conn.all<ObjectTypeSql>(OBJECT_TYPE_Q.listOfType, { tenant, type }).map(row);
}

export function listCurrentObjectTypes(conn: SqliteConnection, tenant: string): ObjectTypeVersionRow[] {
  return conn.all<ObjectTypeSql>(OBJECT_TYPE_Q.listCurrent, { tenant }).map(row);
}

export function insertObjectTypeVersion(conn: SqliteConnection, v: ObjectTypeVersionRow): boolean {
  return conn.atomic(() => {
    const inserted = conn.run(OBJECT_TYPE_Q.insert, {
      tenant: v.tenant, type: v.type, version: v.version, definition: JSON.stringify(v.definition), hash: v.hash, createdBy: v.createdBy, createdAt: v.createdAt,
    });
    if (inserted === 0) return false;
    conn.get(Q.bumpRevision, { tenant: v.tenant });
    return true;
  });
}
