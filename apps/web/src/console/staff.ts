import { createContext, useContext } from 'react';
import type { ApiClient, Schemas } from '../shared/api';

const KEY = 'la.console.token';

export type StaffRole = 'admin' | 'support' | 'viewer' | 'service';

export interface Staff {
  api: ApiClient;
  name: string;
  role: StaffRole;
  /** The console session behind the cookie (single sign-on); null when signed in with a token. */
  sessionId?: string | null;
}

/** The staff token lives in session storage: closing the tab signs out. */
export const storedToken = {
  get: () => sessionStorage.getItem(KEY),
  set: (token: string | null) => (token ? sessionStorage.setItem(KEY, token) : sessionStorage.removeItem(KEY)),
};

const RANK: Record<StaffRole, number> = { service: 0, viewer: 1, support: 2, admin: 3 };

/** Same rule as the API's roleSatisfies: the console hides what the token could not do anyway. */
export function can(role: StaffRole, needed: 'viewer' | 'support' | 'admin'): boolean {
  return RANK[role] >= RANK[needed];
}

export const StaffContext = createContext<Staff | null>(null);

export function useStaff(): Staff {
  const staff = useContext(StaffContext);
  if (!staff) throw new Error('useStaff outside the signed-in console');
  return staff;
}

export type License = Schemas['License'];
