import type { TenantEntity } from './tenant.entity.js';

export function tenantView(tenant: TenantEntity) {
  return {
    id: tenant.id,
    name: tenant.name,
    contact_email: tenant.contactEmail,
    deployment_mode: tenant.deploymentMode,
    created_at: tenant.createdAt,
    updated_at: tenant.updatedAt,
  };
}
