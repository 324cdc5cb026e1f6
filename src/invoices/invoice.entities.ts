import { CounterpartyEntity } from './counterparty.entity';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer, InstantColumn, MoneyColumn } from '../database/columns';

export const INVOICE_TYPES = ['special', 'ordinary'] as const;
export const MEDIA = ['electronic', 'paper'] as const;
export const INVOICE_STATUSES = ['issued', 'red_partial', 'red_full', 'voided'] as const;
export type InvoiceType = (typeof INVOICE_TYPES)[number];
export type Medium = (typeof MEDIA)[number];
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];
export type Color = 'blue' | 'red';

/** 发票行性质 as the national files code it: 0 正常行, 1 折扣行, 2 被折扣行. */
export type LineNatureCode = '0' | '1' | '2';
export const LINE_NATURES: Record<LineNatureCode, 'normal' | 'discount' | 'discounted'> = { '0': 'normal', '1': 'discount', '2': 'discounted' };

/** 差额征税 as stored: kind and vouchers in the API's shape (money as "0.00" strings). */
export interface DifferentialTaxationRecord {
  kind: '01' | '02';
  deductions: { voucherType: string; voucherNumber: string; voucherDate: string; amount: string }[];
}

@Entity('invoices')
// Keyset indexes (migration 1700000000160, src/invoices/invoice-scan.ts).
@Index('idx_inv_seller_time', ['sellerTaxId', 'issuedAt', 'number'])
@Index('idx_inv_seller_state', ['sellerTaxId', 'color', 'status', 'issuedAt', 'number'])
@Index('idx_inv_seller_kind', ['sellerTaxId', 'type', 'medium', 'issuedAt', 'number'])
@Index('idx_inv_buyer_time', ['buyerTaxId', 'issuedAt', 'number'])
@Index('idx_inv_buyer_state', ['buyerTaxId', 'color', 'status', 'issuedAt', 'number'])
@Index('idx_inv_buyer_kind', ['buyerTaxId', 'type', 'medium', 'issuedAt', 'number'])
@Index('idx_inv_time', ['issuedAt', 'number'])
@Index('idx_inv_state', ['color', 'status', 'issuedAt', 'number'])
@Index('idx_inv_kind', ['type', 'medium', 'issuedAt', 'number'])
@Index('idx_invoices_blue', ['blueNumber'])
@Index('idx_invoices_usage_confirmed', ['buyerTaxId', 'usageConfirmedAt'])
export class InvoiceEntity {
  /** The 20-digit number: YY PP C SSSSSSSSSSSSSSS. */
  @PrimaryColumn({ type: 'varchar', length: 20 })
  number: string;

  @Column({ type: 'varchar', length: 8 })
  type: InvoiceType;

  @Column({ type: 'varchar', length: 10 })
  medium: Medium;

  @Column({ type: 'varchar', length: 4 })
  color: Color;

  @Column({ type: 'varchar', length: 12 })
  status: InvoiceStatus;

  @InstantColumn({ name: 'issued_at' })
  issuedAt: Date;

  /** The quota month the invoice counts in (Beijing time). */
  @Column({ type: 'varchar', length: 7 })
  period: string;

  @Column({ name: 'seller_tax_id', type: 'varchar', length: 18 })
  sellerTaxId: string;
  @Column({ name: 'seller_name', type: 'varchar', length: 200 })
  sellerName: string;
  @Column({ name: 'seller_address', type: 'varchar', length: 300 })
  sellerAddress: string;
  @Column({ name: 'seller_phone', type: 'varchar', length: 50 })
  sellerPhone: string;
  @Column({ name: 'seller_bank_name', type: 'varchar', length: 200 })
  sellerBankName: string;
  @Column({ name: 'seller_bank_account', type: 'varchar', length: 50 })
  sellerBankAccount: string;

  /** Null for a natural person. */
  @Column({ name: 'buyer_tax_id', type: 'varchar', length: 18, nullable: true })
  buyerTaxId: string | null;
  @Column({ name: 'buyer_name', type: 'varchar', length: 200 })
  buyerName: string;
  @Column({ name: 'buyer_address', type: 'varchar', length: 300 })
  buyerAddress: string;
  @Column({ name: 'buyer_phone', type: 'varchar', length: 50 })
  buyerPhone: string;
  @Column({ name: 'buyer_bank_name', type: 'varchar', length: 200 })
  buyerBankName: string;
  @Column({ name: 'buyer_bank_account', type: 'varchar', length: 50 })
  buyerBankAccount: string;
  @Column({ name: 'buyer_email', type: 'varchar', length: 254, nullable: true })
  buyerEmail: string | null;
  /** 经办人 (XML BuyerHandlingName), optional. */
  @Column({ name: 'buyer_handling_name', type: 'varchar', length: 100, nullable: true })
  buyerHandlingName?: string | null;

  @Column({ name: 'price_includes_tax', type: 'boolean' })
  priceIncludesTax: boolean;

  @MoneyColumn({ name: 'total_amount' })
  totalAmount: bigint;
  @MoneyColumn({ name: 'total_tax' })
  totalTax: bigint;
  @MoneyColumn({ name: 'total_with_tax' })
  totalWithTax: bigint;

  @Column({ type: 'varchar', length: 500 })
  remarks: string;

  @Column({ type: 'varchar', length: 50 })
  drawer: string;

  /** 特定业务 code (03, 04, 06) and its fields (JSON: up to 1 GB on MySQL, where TEXT stops at 64 KB). */
  @Column({ name: 'specific_business_type', type: 'varchar', length: 2, nullable: true })
  specificBusinessType: string | null;
  @Column({ name: 'specific_business', type: 'json', nullable: true })
  specificBusiness: object | null;

  /**
   * 差额征税 (SPEC section 2): kind 01 全额开票 / 02 差额开票 and the vouchers, as the API shows
   * them ({ kind, deductions: [{ voucherType, voucherNumber, voucherDate, amount }] }); the
   * deduction (扣除额) in fen, negative on a red invoice. Both null on an ordinary invoice.
   */
  @Column({ name: 'differential_taxation', type: 'json', nullable: true })
  differentialTaxation: DifferentialTaxationRecord | null;
  @MoneyColumn({ name: 'deduction', nullable: true })
  deduction: bigint | null;

  /** Buyer-side status (SPEC section 5). */
  @Column({ type: 'varchar', length: 24, nullable: true })
  usage: string | null;
  /** When the usage was (last) confirmed: its period decides whether the buyer "had deducted". */
  @InstantColumn({ name: 'usage_confirmed_at', nullable: true })
  usageConfirmedAt: Date | null;
  @Column({ name: 'accounting_entry', type: 'varchar', length: 12 })
  accountingEntry: 'entered' | 'not_entered';

  @InstantColumn({ name: 'voided_at', nullable: true })
  voidedAt: Date | null;

  @Column({ name: 'issued_by', type: 'varchar', length: 80 })
  issuedBy: string;

  /** On a red invoice: the blue invoice it reverses and the slip it was issued from. */
  @Column({ name: 'blue_number', type: 'varchar', length: 20, nullable: true })
  blueNumber: string | null;
  @Column({ name: 'red_confirmation_id', type: 'varchar', length: 36, nullable: true })
  redConfirmationId: string | null;
}

@Entity('invoice_lines')
export class InvoiceLineEntity {
  @PrimaryColumn({ name: 'invoice_number', type: 'varchar', length: 20 })
  invoiceNumber: string;

  @PrimaryColumn({ name: 'line_no', type: 'integer' })
  lineNo: number;

  @Column({ name: 'item_name', type: 'varchar', length: 100 })
  itemName: string;
  @Column({ name: 'category_short_name', type: 'varchar', length: 40 })
  categoryShortName: string;
  @Column({ name: 'tax_classification_code', type: 'varchar', length: 19 })
  taxClassificationCode: string;
  @Column({ type: 'varchar', length: 100 })
  spec: string;
  @Column({ type: 'varchar', length: 20 })
  unit: string;
  @Column({ type: 'varchar', length: 32, nullable: true })
  quantity: string | null;
  @Column({ name: 'unit_price', type: 'varchar', length: 32, nullable: true })
  unitPrice: string | null;
  @MoneyColumn()
  amount: bigint;
  @Column({ name: 'tax_rate', type: 'varchar', length: 6 })
  taxRate: string;
  @MoneyColumn({ name: 'tax_amount' })
  taxAmount: bigint;
  @Column({ name: 'preferential_policy', type: 'varchar', length: 2, nullable: true })
  preferentialPolicy: string | null;
  /** 发票行性质 (SPEC section 2): 0 normal, 1 discount line (折扣行), 2 discounted line (被折扣行). */
  @Column({ name: 'line_nature', type: 'varchar', length: 1, default: '0' })
  lineNature: LineNatureCode;
}

/** Number space per prefix (YY + province + channel): blocks are handed out from next_value. */
@Entity('number_sequences')
export class NumberSequenceEntity {
  @PrimaryColumn({ type: 'varchar', length: 5 })
  prefix: string;

  @Column({ name: 'next_value', type: 'bigint', transformer: bigintTransformer })
  nextValue: bigint;
}

export const INVOICE_ENTITIES = [InvoiceEntity, InvoiceLineEntity, NumberSequenceEntity, CounterpartyEntity];
