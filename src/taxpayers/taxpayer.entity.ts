import { Column, Entity, PrimaryColumn } from 'typeorm';
import { InstantColumn, MoneyColumn } from '../database/columns';

export const TAXPAYER_TYPES = ['general', 'small_scale'] as const;
export const FILING_FREQUENCIES = ['monthly', 'quarterly'] as const;
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export const CREDIT_RATINGS = ['A', 'B', 'M', 'C', 'D'] as const;
export type TaxpayerType = (typeof TAXPAYER_TYPES)[number];
export type FilingFrequency = (typeof FILING_FREQUENCIES)[number];
export type RiskLevel = (typeof RISK_LEVELS)[number];
export type CreditRating = (typeof CREDIT_RATINGS)[number];

@Entity('taxpayers')
export class TaxpayerEntity {
  /** Unified social credit code (统一社会信用代码), 18 characters. */
  @PrimaryColumn({ name: 'tax_id', type: 'varchar', length: 18 })
  taxId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** GB/T 2260 province-level code of the competent tax bureau. */
  @Column({ name: 'region_code', type: 'varchar', length: 2 })
  regionCode: string;

  @Column({ type: 'varchar', length: 300 })
  address: string;

  @Column({ type: 'varchar', length: 50 })
  phone: string;

  @Column({ name: 'bank_name', type: 'varchar', length: 200 })
  bankName: string;

  @Column({ name: 'bank_account', type: 'varchar', length: 50 })
  bankAccount: string;

  @Column({ name: 'taxpayer_type', type: 'varchar', length: 16 })
  taxpayerType: TaxpayerType;

  @Column({ name: 'filing_frequency', type: 'varchar', length: 16 })
  filingFrequency: FilingFrequency;

  @Column({ name: 'risk_level', type: 'varchar', length: 8 })
  riskLevel: RiskLevel;

  @Column({ name: 'credit_rating', type: 'varchar', length: 1 })
  creditRating: CreditRating;

  @Column({ type: 'boolean' })
  pilot: boolean;

  /** Initial monthly total (开具金额总额度) set at registration, fen; null for non-pilots. */
  @MoneyColumn({ name: 'initial_quota', nullable: true })
  initialQuota: bigint | null;

  /** Single-invoice maximum for paper invoices issued through the platform, fen. */
  @MoneyColumn({ name: 'paper_max_amount', nullable: true })
  paperMaxAmountPerInvoice: bigint | null;

  /** Business time of registration (the clock's). */
  @InstantColumn({ name: 'registered_at' })
  registeredAt: Date;

  @InstantColumn({ name: 'updated_at' })
  updatedAt: Date;
}
