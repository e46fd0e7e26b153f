import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Results of a phone-home that left the tenant plane with a valid new license; any other result is a refusal code. */
export const SUCCESSFUL_RESULTS = ['renewed', 'resent'];

/** One BYOC phone-home call whose token verified: renewed, resent or refused (`result` is then the refusal code). */
@Entity('phone_homes')
export class PhoneHomeEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('uuid', { name: 'license_id' })
  licenseId: string;

  @Column('uuid', { name: 'lineage_id' })
  lineageId: string;

  @Column('timestamptz', { name: 'called_at' })
  calledAt: Date;

  @Column('text', { name: 'tp_version' })
  tpVersion: string;

  @Column('text', { name: 'source_address', nullable: true })
  sourceAddress: string | null;

  @Column('text', { nullable: true })
  fingerprint: string | null;

  @Column('text')
  result: string;

  @Column('uuid', { name: 'renewed_license_id', nullable: true })
  renewedLicenseId: string | null;

  @Column('integer', { name: 'active_uses', nullable: true })
  activeUses: number | null;

  @Column('timestamptz', { name: 'usage_period_start', nullable: true })
  usagePeriodStart: Date | null;

  @Column('timestamptz', { name: 'usage_period_end', nullable: true })
  usagePeriodEnd: Date | null;
}
