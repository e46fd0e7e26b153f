import type { StaffSessionEntity } from './staff-session.entity.js';

type ConsoleRole = StaffSessionEntity['role'];

const RANK: Record<ConsoleRole, number> = { viewer: 1, support: 2, admin: 3 };

/** The IdP's groups claim as a list: an array of strings, or one string. Anything else is no groups. */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string');
  return [];
}

/** The strongest role any of the person's groups maps to; undefined when none is mapped (no access). */
export function mapRole(groups: string[], mapping: Record<string, ConsoleRole>): ConsoleRole | undefined {
  return groups
    .map((group) => mapping[group])
    .filter((role): role is ConsoleRole => role !== undefined)
    .sort((a, b) => RANK[b] - RANK[a])[0];
}
