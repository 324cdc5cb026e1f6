import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsMoney } from '../common/validation';
import { INVOICE_STATUSES, INVOICE_TYPES, MEDIA, InvoiceType, Medium } from './invoice.entities';
import { DECIMAL_PATTERN, PREFERENTIAL_POLICIES, PreferentialPolicy, TAX_RATES } from './tax-math';

export const MAX_LINES = 2000;
export const MAX_BATCH = 1000;

export class BuyerDto {
  @ApiPropertyOptional({ example: '91410100MA00000021', description: 'unified social credit code; required on a special invoice, absent for a natural person' })
  @IsOptional()
  @IsString()
  @Length(18, 18)
  taxId?: string;

  @ApiProperty({ example: '河南某某有限公司' }) @IsString() @Length(1, 200) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) address?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) bankName?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(50) bankAccount?: string;
  @ApiPropertyOptional({ example: 'ap@example.com' }) @IsOptional() @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ example: '张三', description: '经办人: the person who handles the purchase for the buyer (XML BuyerHandlingName)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  handlingName?: string;
}

export class LineDto {
  @ApiProperty({ example: '笔记本电脑', description: "the item's own name; printed as *简称*名称" })
  @IsString()
  @Length(1, 100)
  @Matches(/^[^*]/, { message: 'must not start with * (the category short name is added)' })
  name: string;

  @ApiProperty({ example: '1090511030000000000', description: '19-digit tax classification code (税收分类编码)' })
  @Matches(/^\d{19}$/, { message: 'must be 19 digits' })
  taxClassificationCode: string;

  @ApiProperty({ example: '计算机', description: 'short name of the tax classification category' })
  @IsString()
  @Length(1, 40)
  @Matches(/^[^*]+$/, { message: 'must not contain *' })
  categoryShortName: string;

  @ApiPropertyOptional({ example: 'X1' }) @IsOptional() @IsString() @MaxLength(100) spec?: string;
  @ApiPropertyOptional({ example: '台' }) @IsOptional() @IsString() @MaxLength(20) unit?: string;

  @ApiPropertyOptional({ example: '2', description: 'decimal string, up to 13 decimals; with unitPrice' })
  @IsOptional()
  @Matches(DECIMAL_PATTERN, { message: 'must be a decimal string with up to 13 decimals' })
  quantity?: string;

  @ApiPropertyOptional({ example: '5000.00', description: 'decimal string, up to 13 decimals; with quantity' })
  @IsOptional()
  @Matches(DECIMAL_PATTERN, { message: 'must be a decimal string with up to 13 decimals' })
  unitPrice?: string;

  @ApiProperty({ example: '10000.00', description: 'pre-tax, or tax-inclusive when priceIncludesTax' })
  @IsMoney({ minFen: 1n })
  amount: string;

  @ApiProperty({ example: '0.13', enum: TAX_RATES })
  @IsIn(TAX_RATES)
  taxRate: string;

  @ApiPropertyOptional({ example: '1300.00', description: 'checked against amount x rate (tolerance 0.06) when given' })
  @IsOptional()
  @IsMoney({ minFen: 0n })
  taxAmount?: string;

  @ApiPropertyOptional({ enum: Object.keys(PREFERENTIAL_POLICIES), description: '优惠政策标识: 03 免税, 04 不征税 (rate 0, no tax)' })
  @IsOptional()
  @IsIn(Object.keys(PREFERENTIAL_POLICIES))
  preferentialPolicy?: PreferentialPolicy;

  @ApiPropertyOptional({
    example: '100.00',
    description:
      "折扣 (SPEC section 2): positive, at most the line's amount, on the same basis (tax-inclusive when priceIncludesTax). " +
      'The invoice then holds this line (lineNature "discounted") and right after it its discount line ' +
      '("discount", amount = minus the discount, tax by the same rule)',
  })
  @IsOptional()
  @IsMoney({ minFen: 1n })
  discountAmount?: string;
}

/** A deduction voucher (扣除凭证) of 差额征税. */
export class DeductionVoucherDto {
  @ApiProperty({
    example: '01',
    description:
      'voucher type code (凭证类型), e.g. 01 数电票, 02 增值税专用发票, 03 增值税普通发票, 04 营业税发票, 05 财政票据, 06 法院裁决书, 07 契税完税凭证, 08 其他发票类, 09 其他扣除凭证',
  })
  @Matches(/^\d{2}$/, { message: 'must be a 2-digit voucher type code' })
  voucherType: string;

  @ApiProperty({ example: '26442000000012345678' }) @IsString() @Length(1, 60) voucherNumber: string;

  @ApiProperty({ example: '2026-10-01', description: 'YYYY-MM-DD' })
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'must be a date YYYY-MM-DD' })
  voucherDate: string;

  @ApiProperty({ example: '60000.00', description: 'the deductible amount of this voucher (本次扣除金额)' })
  @IsMoney({ minFen: 1n })
  amount: string;
}

/** 差额征税 (SPEC section 2). */
export class DifferentialTaxationDto {
  @ApiProperty({ enum: ['01', '02'], description: '01 全额开票 (issued in full, marks the business), 02 差额开票 (tax on the price less the deduction)' })
  @IsIn(['01', '02'])
  kind: '01' | '02';

  @ApiProperty({
    type: [DeductionVoucherDto],
    minItems: 1,
    maxItems: 100,
    description: 'the vouchers backing the deduction (扣除额 = their sum, at most the price)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => DeductionVoucherDto)
  deductions: DeductionVoucherDto[];
}

export class IssueInvoiceDto {
  @ApiProperty({ enum: INVOICE_TYPES }) @IsIn(INVOICE_TYPES) type: InvoiceType;
  @ApiPropertyOptional({ enum: MEDIA, default: 'electronic' }) @IsOptional() @IsIn(MEDIA) medium?: Medium;

  @ApiProperty({ type: BuyerDto })
  @IsObject()
  @ValidateNested()
  @Type(() => BuyerDto)
  buyer: BuyerDto;

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() priceIncludesTax?: boolean;

  @ApiProperty({ type: [LineDto], minItems: 1, maxItems: MAX_LINES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES)
  @ValidateNested({ each: true })
  @Type(() => LineDto)
  lines: LineDto[];

  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) remarks?: string;
  @ApiPropertyOptional({ example: '张三' }) @IsOptional() @IsString() @MaxLength(50) drawer?: string;

  @ApiPropertyOptional({
    type: DifferentialTaxationDto,
    description:
      '差额征税: with priceIncludesTax true and exactly one line whose amount is the tax-inclusive price, no discount and no specificBusiness. ' +
      'Kind 02: tax = round((price - deduction) x rate / (1 + rate)), amount = price - tax',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DifferentialTaxationDto)
  differentialTaxation?: DifferentialTaxationDto;

  @ApiPropertyOptional({
    description: [
      '特定业务: { "type": "03", "location", "projectName", "crossCity", "landVatProjectNumber"? }',
      '{ "type": "04", "transports": [{ "transportType", "plateNumber", "origin", "destination", "goods" }] }',
      '{ "type": "05", "propertyAddress", "propertyCertificateNumber"?, "crossCity", "realEstateUnitCode"? | "contractFilingNumber"? (exactly one), ' +
        '"landVatProjectNumber"?, "assessedTaxPrice"?, "actualTransactionAmount"?, "areaUnit"? ("平方米") }',
      '{ "type": "06", "propertyCertificateNumber", "propertyAddress", "leaseStart", "leaseEnd", "crossCity", "areaUnit"? }',
      '{ "type": "09", "passengers": [{ "traveler", "idType", "idNumber", "travelDate", "departure", "destination", "grade", "vehicleType" }] }',
    ].join(' | '),
    nullable: true,
  })
  @IsOptional()
  @IsObject()
  // Kept exactly as sent: class-transformer's copy would drop keys such as `toString`, which the
  // specific-business parser must see to refuse them.
  @Transform(({ obj }) => obj.specificBusiness, { toClassOnly: true })
  specificBusiness?: Record<string, unknown> | null;
}

export class BatchDto {
  @ApiProperty({ type: [IssueInvoiceDto], minItems: 1, maxItems: MAX_BATCH, description: 'each item is validated and issued on its own' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @IsObject({ each: true })
  invoices: Record<string, unknown>[];
}

export class ListInvoicesQuery {
  @ApiPropertyOptional({
    enum: ['issued', 'received', 'both'],
    default: 'issued',
    description: 'the taxpayer as seller, as buyer, or both (merged, newest first)',
  })
  @IsOptional()
  @IsIn(['issued', 'received', 'both'])
  direction?: 'issued' | 'received' | 'both';
  @ApiPropertyOptional({ description: "taxpayer (officers, admins and unscoped auditors); defaults to the caller's" })
  @IsOptional()
  @IsString()
  @Length(18, 18)
  taxId?: string;
  @ApiPropertyOptional({ description: 'YYYY-MM-DD (Beijing) or an ISO 8601 instant; inclusive' }) @IsOptional() @IsString() @MaxLength(40) from?: string;
  @ApiPropertyOptional({ description: 'YYYY-MM-DD (Beijing, the whole day) or an ISO 8601 instant; inclusive' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
  @ApiPropertyOptional({ enum: ['blue', 'red'] }) @IsOptional() @IsIn(['blue', 'red']) color?: 'blue' | 'red';
  @ApiPropertyOptional({ enum: INVOICE_TYPES }) @IsOptional() @IsIn(INVOICE_TYPES) type?: InvoiceType;
  @ApiPropertyOptional({ enum: INVOICE_STATUSES }) @IsOptional() @IsIn(INVOICE_STATUSES) status?: string;
  @ApiPropertyOptional({ enum: MEDIA }) @IsOptional() @IsIn(MEDIA) medium?: Medium;
  @ApiPropertyOptional({
    description: 'the other party (the buyer of issued invoices, the seller of received ones): the beginning of its tax id or part of its name',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  counterparty?: string;
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Matches(/^[1-9]\d{0,2}$/, { message: 'must be a whole number from 1 to 500' })
  limit?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) cursor?: string;
}

export class UsageConfirmationDto {
  @ApiProperty({ enum: ['deduction', 'no_deduction', 'export_refund', 'agent_export_refund'], description: '抵扣, 不抵扣, 出口退税, 代办退税' })
  @IsIn(['deduction', 'no_deduction', 'export_refund', 'agent_export_refund'])
  purpose: 'deduction' | 'no_deduction' | 'export_refund' | 'agent_export_refund';
}

export class AccountingEntryDto {
  @ApiProperty({ description: '入账 (true) or not (false)' })
  @IsBoolean()
  entered: boolean;
}

export class VerificationDto {
  @ApiProperty({ example: '23222000000000000001' })
  @IsString()
  @MaxLength(20)
  number: string;

  @ApiProperty({ example: '2023-07-20', description: 'issue date in Beijing time' })
  @IsString()
  @MaxLength(10)
  issueDate: string;

  @ApiProperty({ example: '11300.00', description: '价税合计 (negative for a red invoice)' })
  @IsMoney()
  totalWithTax: string;
}
