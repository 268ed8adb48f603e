// The store contract against SQLite: a fresh database file per test.
import { makeSqliteStore } from '../helpers/stores.js';
import { storeContract } from './store.contract.js';

storeContract('sqlite', makeSqliteStore);
