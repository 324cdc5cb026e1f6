import { Column, Entity, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/** First start: one-time setup codes (SHA-256 digests only), spent when the first admin is created. */
@Entity('setup_codes')
export class SetupCodeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'code_digest', type: 'varchar', length: 64 })
  codeDigest: string;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @InstantColumn({ name: 'spent_at', nullable: true })
  spentAt: Date | null;
}
