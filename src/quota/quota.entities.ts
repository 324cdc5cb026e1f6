import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer, InstantColumn, MoneyColumn } from '../database/columns';
import type { LedgerKind } from './rules';

/** One taxpayer's quota for one month. Changed only by conditional UPDATEs (QuotaService). */
@Entity('quota_months')
export class QuotaMonthEntity {
  @PrimaryColumn({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  @PrimaryColumn({ type: 'varchar', length: 7 })
  period: string;

  @MoneyColumn()
  total: bigint;

  @MoneyColumn()
  used: bigint;

  @Column({ name: 'temporary_adjusted', type: 'boolean' })
  temporaryAdjusted: boolean;

  /** The amount the month's temporary adjustment added (0 until it happens). */
  @MoneyColumn({ name: 'temporary_raise' })
  temporaryRaise: bigint;

  /** Sequence number of the month's last ledger entry (entries are numbered 1, 2, ... per month). */
  @Column({ name: 'ledger_seq', type: 'bigint', transformer: bigintTransformer })
  ledgerSeq: bigint;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;
}

/** The append-only quota ledger: every change to a month's total or used, with its cause. */
@Entity('quota_ledger')
export class QuotaLedgerEntity {
  @PrimaryColumn({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  @PrimaryColumn({ type: 'varchar', length: 7 })
  period: string;

  @PrimaryColumn({ type: 'bigint', transformer: bigintTransformer })
  seq: bigint;

  @InstantColumn()
  at: Date;

  @Column({ type: 'varchar', length: 24 })
  kind: LedgerKind;

  /** Change of `total` (initial, periodic, temporary, manual) or of `used` (the others). */
  @MoneyColumn()
  delta: bigint;

  @MoneyColumn({ name: 'total_after' })
  totalAfter: bigint;

  @MoneyColumn({ name: 'used_after' })
  usedAfter: bigint;

  /** What caused it: an invoice number, an application id, a collection id, a reason. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  ref: string | null;

  @Column({ type: 'varchar', length: 80 })
  actor: string;
}

@Entity('quota_applications')
@Index('idx_quota_app_taxpayer_time', ['taxpayerId', 'createdAt', 'id'])
@Index('idx_quota_app_taxpayer_state', ['taxpayerId', 'status', 'createdAt', 'id'])
@Index('idx_quota_app_state', ['status', 'createdAt', 'id'])
@Index('idx_quota_app_time', ['createdAt', 'id'])
export class QuotaApplicationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  @Column({ type: 'varchar', length: 7 })
  period: string;

  @MoneyColumn({ name: 'requested_total' })
  requestedTotal: bigint;

  @Column({ type: 'varchar', length: 500 })
  reason: string;

  @Column({ type: 'varchar', length: 16 })
  status: 'pending' | 'approved' | 'rejected';

  @Column({ name: 'decided_by', type: 'varchar', length: 80, nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decision_reason', type: 'varchar', length: 500, nullable: true })
  decisionReason: string | null;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  @InstantColumn({ name: 'decided_at', nullable: true })
  decidedAt: Date | null;
}

@Entity('quota_objections')
@Index('idx_quota_objection_taxpayer_time', ['taxpayerId', 'createdAt', 'id'])
export class QuotaObjectionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  @Column({ type: 'varchar', length: 7 })
  period: string;

  @Column({ type: 'varchar', length: 500 })
  reason: string;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;
}

/** A VAT return recorded as filed and matched (申报且比对通过). */
@Entity('vat_filings')
export class VatFilingEntity {
  @PrimaryColumn({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  /** "YYYY-MM" or "YYYY-Qn". */
  @PrimaryColumn({ type: 'varchar', length: 7 })
  period: string;

  @InstantColumn({ name: 'filed_at' })
  filedAt: Date;

  @Column({ type: 'varchar', length: 80 })
  actor: string;
}

/** A collection (领用) of blank legacy paper invoices. */
@Entity('paper_collections')
@Index('idx_paper_collection_taxpayer', ['taxpayerId', 'collectedAt'])
export class PaperCollectionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'taxpayer_id', type: 'varchar', length: 18 })
  taxpayerId: string;

  @Column({ type: 'varchar', length: 7 })
  period: string;

  @Column({ name: 'invoice_kind', type: 'varchar', length: 16 })
  invoiceKind: 'paper_special' | 'paper_ordinary';

  @Column({ type: 'integer' })
  count: number;

  @MoneyColumn({ name: 'max_amount_per_invoice' })
  maxAmountPerInvoice: bigint;

  @MoneyColumn()
  amount: bigint;

  @InstantColumn({ name: 'collected_at' })
  collectedAt: Date;
}

export const QUOTA_ENTITIES = [QuotaMonthEntity, QuotaLedgerEntity, QuotaApplicationEntity, QuotaObjectionEntity, VatFilingEntity, PaperCollectionEntity];
