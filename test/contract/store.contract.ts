// The one contract suite for both stores (STYLE.md habit 11): every port method's semantics,
// run against real databases by sqlite.test.ts and postgres.test.ts. No test is skipped for a
// backend; backend differences show up only through StoreHarness.openPeer (multi-process).
import { describe } from 'vitest';
import type { Store } from '../../src/store/port.js';
import { claimContract } from './claims.contract.js';
import { executionContract } from './executions.contract.js';
import type { StoreHarness } from './fixtures.js';
import { operationsContract } from './operations.contract.js';
import { quarantineContract } from './quarantine.contract.js';
import { recordContract } from './records.contract.js';
import { stopsContract } from './stops.contract.js';
import { conditionStatsContract } from './condition-stats.contract.js';
import { recordSearchContract } from './record-search.contract.js';
import { objectTypesContract } from './object-types.contract.js';

export type { StoreHarness };

/**
 * Registers the contract suite. open() must return an empty, migrated store for the current
 * test; openPeer(), when given, another store on the same database (a second process).
 */
export function storeContract(name: string, open: () => Promise<Store>, options: { openPeer?: () => Promise<Store> } = {}): void {
  const harness: StoreHarness = { open, ...options };
  describe(`store contract: ${name}`, () => {
    describe('records, changes, workflows, transactions', () => recordContract(harness));
    describe('finding records: field filters, sort, keyset cursor, count, field indexes', () => recordSearchContract(harness));
    describe('executions, steps, leases', () => executionContract(harness));
    describe('claims, sweeps, fencing, wake-ups', () => claimContract(harness));
    describe('loop guards, alerts, effects, attempts, breakers, replay, cancel', () => operationsContract(harness));
    describe('poison-pill containment: lease expiries, quarantine, suspects claimed alone', () => quarantineContract(harness));
    describe('holds, stop requests, bulk cancel', () => stopsContract(harness));
    describe('condition stats: batched adds per tenant, workflow and condition', () => conditionStatsContract(harness));
    describe('object type versions: per tenant and type, immutable, bump the catalog revision', () => objectTypesContract(harness));
  });
}
