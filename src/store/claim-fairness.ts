// Which tenants a claim batch serves: shared by both store adapters (pure, no I/O).
// Every tenant with ready work gets a share of the batch when they fit; when there are more such
// tenants than the batch holds, half the places go to the tenants waiting longest and half rotate
// over the others, so neither a huge backlog nor an old one can starve a tenant.

export class TenantRotation {
  private cursor = Math.floor(Math.random() * 1_000_000);

  /** tenantsOldestFirst: every tenant with ready work, ordered by its oldest ready execution. */
  pick(tenantsOldestFirst: readonly string[], limit: number): string[] {
    if (tenantsOldestFirst.length <= limit) return [...tenantsOldestFirst];
    const oldest = Math.ceil(limit / 2);
    const chosen = tenantsOldestFirst.slice(0, oldest);
    const rest = tenantsOldestFirst.slice(oldest).sort();
    const rotating = limit - oldest;
    for (let i = 0; i < rotating; i++) chosen.push(rest[(this.cursor + i) % rest.length] as string);
    this.cursor = (this.cursor + rotating) % 1_000_000_007;
    return chosen;
  }
}
