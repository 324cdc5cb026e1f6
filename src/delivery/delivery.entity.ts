import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

/** One delivery of an invoice's files, kept whatever happens to it (never lost). */
@Entity('deliveries')
@Index('idx_deliveries_invoice', ['invoiceNumber', 'createdAt'])
@Index('idx_deliveries_due', ['status', 'nextAttemptAt'])
export class DeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'invoice_number', type: 'varchar', length: 20 })
  invoiceNumber: string;

  @Column({ name: 'seller_tax_id', type: 'varchar', length: 18 })
  sellerTaxId: string;

  @Column({ type: 'varchar', length: 10 })
  channel: 'email';

  @Column({ name: 'recipient', type: 'varchar', length: 254 })
  to: string;

  @Column({ type: 'varchar', length: 8 })
  status: DeliveryStatus;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError: string | null;

  /** Where it went: the SMTP server's answer or the .eml file written. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  receipt: string | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @InstantColumn({ name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @InstantColumn({ name: 'sent_at', nullable: true })
  sentAt: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;
}
