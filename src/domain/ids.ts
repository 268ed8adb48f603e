// Ids of the rows the engine writes most (executions, changes, records made without an id): UUIDs of
// version 7, which begin with the time. Each new id sorts after the ones before it, so its index
// entries land on the last pages of each b-tree instead of a random page apiece: a batch of 64
// executions and their changes dirty a few index pages, not one per row (fewer pages to write per
// commit on both stores, and to cache).
//
// The uuid package lays out the bytes; the random bytes and the counter are kept here because its
// own default draws 16 random bytes from the system per id (one getrandom call each: 16 % of the
// embedded engine's CPU in scenario 1), and given its own bytes it keeps no counter. So: a pool of
// random bytes refilled 4 KiB at a time, and RFC 9562's method 1 counter for ids in the same
// millisecond (which keeps them in order).
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const pool = new Uint8Array(4096);
const view = new DataView(pool.buffer);
let used = pool.length;
let lastMs = -Infinity;
let seq = 0;

function random16(): Uint8Array {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.subarray(used - 16, used);
}

/** A new time-ordered id (RFC 9562 version 7; monotonic within this process). */
export function newRowId(): string {
  const random = random16();
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = view.getUint32(random.byteOffset + 6) & 0x7fffffff; // a random start with room to count
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++; // 2^32 ids in one millisecond: borrow the next one
  }
  return v7({ msecs: lastMs, seq, random });
}
