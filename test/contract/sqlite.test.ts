// The store contract against SQLite: a fresh database file per test.
import { describe } from 'vitest';
import { makeSqliteStore } from '../helpers/stores.js';
import { batchContract } from './batch.contract.js';
import { batchCommitContract } from './batch-commit.contract.js';
import { storeContract } from './store.contract.js';

storeContract('sqlite', makeSqliteStore);
describe('batch contract: sqlite (contexts, savepoints)', () => batchContract({ open: makeSqliteStore }));
describe('batch commit contract: sqlite (completeSteps, lockRecords)', () => batchCommitContract({ open: makeSqliteStore }));
