// The store contract against PostgreSQL: a fresh schema for this file, emptied before each test.
// Skipped, loudly, when SWITCHYARD_TEST_DATABASE_URL is unset or the database is unreachable.
import { describe } from 'vitest';
import { describePostgres, makePostgresStore } from '../helpers/stores.js';
import { batchContract } from './batch.contract.js';
import { storeContract } from './store.contract.js';

await describePostgres('PostgresStore', () => {
  storeContract('postgres', () => makePostgresStore(), { openPeer: () => makePostgresStore() });
  describe('batch contract: postgres (contexts, savepoints)', () => batchContract({ open: () => makePostgresStore() }));
});
