// The store contract against PostgreSQL: a fresh schema for this file, emptied before each test.
// Skipped, loudly, when SWITCHYARD_TEST_DATABASE_URL is unset or the database is unreachable.
import { describe } from 'vitest';
import type { Store } from '../../src/store/port.js';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { describePostgres, makePostgresStore, withPgAdmin } from '../helpers/stores.js';
import { batchContract } from './batch.contract.js';
import { batchCommitContract, type BatchCommitHarness, type LaneRow } from './batch-commit.contract.js';
import { storeContract } from './store.contract.js';

const LOCK_NOT_AVAILABLE = '55P03';
const schemaOf = (store: Store): string => (store as PostgresStore).schema;

/** What only PostgreSQL has to show: the lanes table, and row locks seen from another connection. */
const postgresSide: BatchCommitHarness['postgres'] = {
  lanes: (store) => withPgAdmin(async (admin) =>
    (await admin.query<LaneRow>(`SELECT tenant, lane, running_id, ready_at::float8 AS ready_at FROM ${schemaOf(store)}.lanes`)).rows),
  lockedElsewhere: (store, key) => withPgAdmin(async (admin) => {
    try {
      await admin.query(`SELECT 1 FROM ${schemaOf(store)}.records WHERE tenant = $1 AND type = $2 AND id = $3 FOR UPDATE NOWAIT`, [key.tenant, key.type, key.id]);
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return true;
      throw error;
    }
  }),
};

await describePostgres('PostgresStore', () => {
  storeContract('postgres', () => makePostgresStore(), { openPeer: () => makePostgresStore() });
  describe('batch contract: postgres (contexts, savepoints)', () => batchContract({ open: () => makePostgresStore() }));
  describe('batch commit contract: postgres (completeSteps, lockRecords)', () =>
    batchCommitContract({ open: () => makePostgresStore(), postgres: postgresSide }));
});
