import { groupsOf, mapRole } from './oidc-role-mapping.js';

const mapping = { 'atlas-admins': 'admin', 'atlas-support': 'support', 'atlas-staff': 'viewer' } as const;

describe('mapRole', () => {
  it('gives the strongest role of the mapped groups', () => {
    expect(mapRole(['atlas-staff', 'atlas-support', 'other'], mapping)).toBe('support');
    expect(mapRole(['atlas-admins', 'atlas-staff'], mapping)).toBe('admin');
  });

  it('gives no role when no group is mapped', () => {
    expect(mapRole(['engineering'], mapping)).toBeUndefined();
    expect(mapRole([], mapping)).toBeUndefined();
  });
});

describe('groupsOf', () => {
  it('reads an array or a single string, and ignores anything else', () => {
    expect(groupsOf(['a', 3, 'b'])).toEqual(['a', 'b']);
    expect(groupsOf('atlas-support')).toEqual(['atlas-support']);
    expect(groupsOf({ a: 1 })).toEqual([]);
    expect(groupsOf(undefined)).toEqual([]);
  });
});
