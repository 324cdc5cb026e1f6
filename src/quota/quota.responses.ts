import { ApiProperty } from '@nestjs/swagger';

/** Response shapes of the quota routes, for the OpenAPI document. */

export class QuotaViewDto {
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ example: '7500000.00' }) total: string;
  @ApiProperty({ example: '11300.00' }) used: string;
  @ApiProperty({ example: '7488700.00' }) remaining: string;
  @ApiProperty({ example: '7488700.00', description: 'what may be issued now (the declaration window applied)' }) available: string;
  @ApiProperty({ description: "the previous period's VAT filing is not recorded yet" }) inDeclarationWindow: boolean;
  @ApiProperty() temporaryAdjusted: boolean;
  @ApiProperty({ example: '0.00' }) temporaryRaise: string;
  @ApiProperty({ description: 'a future month nobody set: its total as the policy would set it today' }) projected: boolean;
}

export class LedgerEntryDto {
  @ApiProperty() seq: number;
  @ApiProperty() at: string;
  @ApiProperty({ example: 'invoice', description: 'the cause: invoice, red, void, temporary, periodic, manual, application, paper_collection, ...' })
  kind: string;
  @ApiProperty({ example: '10000.00' }) delta: string;
  @ApiProperty() totalAfter: string;
  @ApiProperty() usedAfter: string;
  @ApiProperty({ type: String, nullable: true, description: 'the invoice number or what else caused it' }) ref: string | null;
}

export class LedgerPageDto {
  @ApiProperty({ type: [LedgerEntryDto] }) items: LedgerEntryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ApplicationViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() taxId: string;
  @ApiProperty({ example: '2026-11' }) period: string;
  @ApiProperty({ example: '9000000.00' }) requestedTotal: string;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) decidedBy: string | null;
  @ApiProperty({ type: String, nullable: true }) decisionReason: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) decidedAt: string | null;
}

export class ApplicationPageDto {
  @ApiProperty({ type: [ApplicationViewDto] }) items: ApplicationViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ObjectionViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() taxId: string;
  @ApiProperty() period: string;
  @ApiProperty() reason: string;
  @ApiProperty() createdAt: string;
}

export class ObjectionPageDto {
  @ApiProperty({ type: [ObjectionViewDto] }) items: ObjectionViewDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class VatFilingViewDto {
  @ApiProperty() taxId: string;
  @ApiProperty({ example: '2026-10' }) period: string;
  @ApiProperty() filedAt: string;
}

export class PeriodicRunResultDto {
  @ApiProperty({ example: '2026-12' }) period: string;
  @ApiProperty() taxpayers: number;
  @ApiProperty() created: number;
  @ApiProperty() unchanged: number;
}

export class PaperCollectionViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'paper_special' }) invoiceKind: string;
  @ApiProperty() count: number;
  @ApiProperty() maxAmountPerInvoice: string;
  @ApiProperty() amount: string;
  @ApiProperty() collectedAt: string;
  @ApiProperty({ type: QuotaViewDto }) quota: QuotaViewDto;
}
