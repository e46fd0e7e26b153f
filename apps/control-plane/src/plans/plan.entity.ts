import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PlanLimits } from '@atlasai/license-core';

@Entity('plans')
export class PlanEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  @Column('jsonb')
  limits: PlanLimits;

  @Column('jsonb')
  modules: string[];

  @Column('jsonb', { name: 'available_addons' })
  availableAddons: string[];

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
