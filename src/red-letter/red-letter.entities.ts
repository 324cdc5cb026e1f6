import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn, MoneyColumn } from '../database/columns';
import type { Party, SlipStatus } from './slip-machine';
import type { RedReason } from './red-lines';

/** 红字发票信息确认单 */
@Entity('red_confirmations')
@Index('idx_red_blue', ['blueNumber'])
@Index('idx_red_seller_time', ['sellerTaxId', 'createdAt', 'id'])
@Index('idx_red_seller_role', ['sellerTaxId', 'initiator', 'createdAt', 'id'])
@Index('idx_red_seller_state', ['sellerTaxId', 'initiator', 'status', 'createdAt', 'id'])
@Index('idx_red_buyer_time', ['buyerTaxId', 'createdAt', 'id'])
@Index('idx_red_buyer_role', ['buyerTaxId', 'initiator', 'createdAt', 'id'])
@Index('idx_red_buyer_state', ['buyerTaxId', 'initiator', 'status', 'createdAt', 'id'])
@Index('idx_red_time', ['createdAt', 'id'])
@Index('idx_red_state', ['status', 'createdAt', 'id'])
@Index('idx_red_pending', ['status', 'expiresAt'])
export class RedConfirmationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** The slip's own 20-digit number. */
  @Column({ type: 'varchar', length: 20 })
  number: string;

  @Column({ name: 'blue_number', type: 'varchar', length: 20 })
  blueNumber: string;

  @Column({ name: 'seller_tax_id', type: 'varchar', length: 18 })
  sellerTaxId: string;

  @Column({ name: 'buyer_tax_id', type: 'varchar', length: 18, nullable: true })
  buyerTaxId: string | null;

  @Column({ type: 'varchar', length: 6 })
  initiator: Party;

  @Column({ type: 'varchar', length: 2 })
  reason: RedReason;

  @Column({ type: 'varchar', length: 2 })
  status: SlipStatus;

  /** Negative. */
  @MoneyColumn({ name: 'total_amount' })
  totalAmount: bigint;
  @MoneyColumn({ name: 'total_tax' })
  totalTax: bigint;

  /** 进项税额转出: positive, fixed when filled in; 0 when the buyer had not deducted. */
  @MoneyColumn({ name: 'input_tax_transfer_out' })
  inputTaxTransferOut: bigint;

  @Column({ name: 'auto_issue', type: 'boolean' })
  autoIssue: boolean;

  @Column({ name: 'red_invoice_number', type: 'varchar', length: 20, nullable: true })
  redInvoiceNumber: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 80 })
  createdBy: string;

  @InstantColumn({ name: 'created_at' })
  createdAt: Date;

  /** 72 hours after filing for 02/03; null for 01 and 04, which do not expire. */
  @InstantColumn({ name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @InstantColumn({ name: 'updated_at' })
  updatedAt: Date;
}

@Entity('red_confirmation_lines')
export class RedConfirmationLineEntity {
  @PrimaryColumn({ name: 'confirmation_id', type: 'varchar', length: 36 })
  confirmationId: string;

  @PrimaryColumn({ name: 'blue_line_no', type: 'integer' })
  blueLineNo: number;

  /** Negative, or null when quantities do not change. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  quantity: string | null;

  @MoneyColumn()
  amount: bigint;

  @MoneyColumn({ name: 'tax_amount' })
  taxAmount: bigint;
}

export const RED_LETTER_ENTITIES = [RedConfirmationEntity, RedConfirmationLineEntity];
