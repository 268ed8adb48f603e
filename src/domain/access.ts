// Who may do what through the API: an API token names a tenant, a name (the actor of its writes)
// and a role. Roles are ordered; a route declares the least role it needs (server/auth.ts).
// Pure values, so the config loader can check roles and the server can enforce them.

/** Weakest first: each role may do everything the roles before it may. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;

export type Role = (typeof ROLES)[number];

export interface ApiToken {
  tenant: string;
  /** Unique within its tenant: the actor id of every write made with the token. */
  name: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Does a token with role `held` satisfy a route that needs `needed`? */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
