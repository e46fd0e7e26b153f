import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CloneReason } from './renewal-decision.js';

/** A phone-home that looked like a copied license; support reviews these. */
@Entity('clone_alerts')
export class CloneAlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'tenant_id' })
  tenantId: string;

  @Column('uuid', { name: 'license_id' })
  licenseId: string;

  @Column('uuid', { name: 'lineage_id' })
  lineageId: string;

  @Column('text')
  reason: CloneReason;

  @Column('jsonb')
  details: Record<string, unknown>;

  @Column('text', { name: 'source_address', nullable: true })
  sourceAddress: string | null;

  @Column('text', { nullable: true })
  fingerprint: string | null;

  @Column('timestamptz', { name: 'detected_at' })
  detectedAt: Date;
}
