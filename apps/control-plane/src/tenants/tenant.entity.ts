import { Column, Entity, PrimaryColumn } from 'typeorm';

export const TENANT_DEPLOYMENT_MODES = ['saas', 'dedicated', 'on_prem', 'byoc'] as const;
export type TenantDeploymentMode = (typeof TENANT_DEPLOYMENT_MODES)[number];

@Entity('tenants')
export class TenantEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'contact_email' })
  contactEmail: string;

  @Column('text', { name: 'deployment_mode' })
  deploymentMode: TenantDeploymentMode;

  /** The Stripe customer that pays for this tenant, bound by Checkout or the portal endpoint. */
  @Column('text', { name: 'stripe_customer_id', nullable: true })
  stripeCustomerId: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
