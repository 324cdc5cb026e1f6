import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INVOICE_STATUSES, INVOICE_TYPES, MEDIA } from './invoice.entities';

/** Response shapes of the invoice routes, for the OpenAPI document (invoice.view.ts builds them). */

export class InvoiceLineViewDto {
  @ApiProperty({ example: 1 }) lineNo: number;
  @ApiProperty({ example: '*计算机*笔记本电脑', description: '*简称*名称 as printed' }) name: string;
  @ApiProperty({ example: '笔记本电脑' }) itemName: string;
  @ApiProperty({ example: '计算机' }) categoryShortName: string;
  @ApiProperty({ example: '1090511030000000000' }) taxClassificationCode: string;
  @ApiProperty({ type: String, nullable: true, example: 'X1' }) spec: string | null;
  @ApiProperty({ type: String, nullable: true, example: '台' }) unit: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2' }) quantity: string | null;
  @ApiProperty({ type: String, nullable: true, example: '5000.00' }) unitPrice: string | null;
  @ApiProperty({ example: '10000.00' }) amount: string;
  @ApiProperty({ example: '0.13' }) taxRate: string;
  @ApiProperty({ example: '1300.00' }) taxAmount: string;
  @ApiProperty({ type: String, nullable: true, enum: ['03', '04'] }) preferentialPolicy: string | null;
  @ApiProperty({ type: String, nullable: true, example: '免税' }) preferentialPolicyName: string | null;
}

export class PartyDto {
  @ApiProperty({ type: String, nullable: true, example: '91410100MA0000000T' }) taxId: string | null;
  @ApiProperty({ example: '河南某某有限公司' }) name: string;
  @ApiProperty() address: string;
  @ApiProperty() phone: string;
  @ApiProperty() bankName: string;
  @ApiProperty() bankAccount: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'buyer only' }) email?: string | null;
}

export class SlipSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() number: string;
  @ApiProperty({ example: '02' }) status: string;
  @ApiProperty({ example: '02' }) reason: string;
  @ApiProperty({ example: '-1000.00' }) totalAmount: string;
  @ApiProperty({ example: '-130.00' }) totalTax: string;
  @ApiProperty({ type: String, nullable: true }) redInvoiceNumber: string | null;
}

export class RedInvoiceSummaryDto {
  @ApiProperty() number: string;
  @ApiProperty() issuedAt: string;
  @ApiProperty({ example: '-1000.00' }) totalAmount: string;
  @ApiProperty({ example: '-130.00' }) totalTax: string;
  @ApiProperty({ type: String, nullable: true }) redConfirmationId: string | null;
}

export class InvoiceViewDto {
  @ApiProperty({ example: '26222000000000000001' }) number: string;
  @ApiProperty({ enum: INVOICE_TYPES }) type: string;
  @ApiProperty({ enum: MEDIA }) medium: string;
  @ApiProperty({ enum: ['blue', 'red'] }) color: string;
  @ApiProperty({ enum: INVOICE_STATUSES }) status: string;
  @ApiProperty({ example: '2026-11-30T10:00:00+08:00' }) issuedAt: string;
  @ApiProperty({ type: PartyDto }) seller: PartyDto;
  @ApiProperty({ type: PartyDto }) buyer: PartyDto;
  @ApiProperty() priceIncludesTax: boolean;
  @ApiProperty({ type: [InvoiceLineViewDto] }) lines: InvoiceLineViewDto[];
  @ApiProperty({ example: '10000.00' }) totalAmount: string;
  @ApiProperty({ example: '1300.00' }) totalTax: string;
  @ApiProperty({ example: '11300.00' }) totalWithTax: string;
  @ApiProperty({ example: '壹万壹仟叁佰圆整' }) totalWithTaxInWords: string;
  @ApiProperty() remarks: string;
  @ApiProperty() drawer: string;
  @ApiProperty({ type: 'object', nullable: true, additionalProperties: true, description: '特定业务 fields as issued' }) specificBusiness: object | null;
  @ApiProperty({ type: String, nullable: true, enum: ['deduction', 'no_deduction', 'export_refund', 'agent_export_refund'] }) usage: string | null;
  @ApiProperty({ enum: ['entered', 'not_entered'] }) accountingEntry: string;
  @ApiProperty({ type: String, nullable: true }) voidedAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'a red invoice: the blue it reverses' }) blueInvoiceNumber: string | null;
  @ApiProperty({ type: String, nullable: true }) redConfirmationId: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) redConfirmationNumber?: string | null;
  @ApiProperty({ type: [SlipSummaryDto] }) redConfirmations: SlipSummaryDto[];
  @ApiProperty({ type: [RedInvoiceSummaryDto] }) redInvoices: RedInvoiceSummaryDto[];
}

export class InvoicePageDto {
  @ApiProperty({ type: [InvoiceViewDto] }) items: InvoiceViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class InvoicePreviewDto {
  @ApiProperty({ type: [InvoiceLineViewDto], description: 'the lines as they would be issued' }) lines: InvoiceLineViewDto[];
  @ApiProperty({ example: '10000.00' }) totalAmount: string;
  @ApiProperty({ example: '1300.00' }) totalTax: string;
  @ApiProperty({ example: '11300.00' }) totalWithTax: string;
  @ApiProperty({ example: '壹万壹仟叁佰圆整' }) totalWithTaxInWords: string;
}

export class BatchErrorDto {
  @ApiProperty() type: string;
  @ApiProperty() title: string;
  @ApiProperty() status: number;
  @ApiProperty() detail: string;
  @ApiProperty() code: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } }) errors?: {
    field: string;
    message: string;
  }[];
  @ApiPropertyOptional() available?: string;
}

export class BatchResultDto {
  @ApiPropertyOptional({ description: 'the number of the invoice issued' }) number?: string;
  @ApiPropertyOptional({ type: BatchErrorDto, description: 'why this item was not issued' }) error?: BatchErrorDto;
}

export class BatchResultsDto {
  @ApiProperty({ type: [BatchResultDto], description: 'one per item, in order' }) results: BatchResultDto[];
}
