// Ids of the rows the engine writes most (executions, changes): UUIDs of version 7, which begin with
// the time. Each new id sorts after the ones before it, so its index entries land on the last pages
// of each b-tree instead of a random page apiece: a batch of 64 executions and their changes dirty a
// few index pages, not one per row (fewer pages to write per commit on both stores, and to cache).
import { v7 } from 'uuid';

/** A new time-ordered id (RFC 9562 version 7; monotonic within this process). */
export function newRowId(): string {
  return v7();
}
