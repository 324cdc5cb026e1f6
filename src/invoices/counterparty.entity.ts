import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/**
 * A taxpayer's counterparty as its invoices last named it: the buyers it invoiced and the sellers
 * it received from, one row per pair, kept by the issuing transaction (CounterpartyWriter), so the
 * console's suggestions read the taxpayer's most recent counterparties from an index instead of
 * grouping its whole invoice history (issue 17).
 */
@Entity('counterparties')
@Index('idx_counterparties_recent', ['taxpayerId', 'lastAt', 'counterpartyTaxId'])
export class CounterpartyEntity {
  @PrimaryColumn({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  @PrimaryColumn({ name: 'counterparty_tax_id', type: 'varchar', length: 18 })
  counterpartyTaxId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 300 })
  address: string;

  @Column({ type: 'varchar', length: 50 })
  phone: string;

  @Column({ name: 'bank_name', type: 'varchar', length: 200 })
  bankName: string;

  @Column({ name: 'bank_account', type: 'varchar', length: 50 })
  bankAccount: string;

  /** When an invoice between the two was last issued (the issuing time). */
  @InstantColumn({ name: 'last_at' })
  lastAt: Date;
}
