/**
 * From a validated request to the rows of an invoice, without touching the database: buyer
 * rules, specific-business fields and tax math. Issuing adds the number, the time and the quota.
 */
import { FieldError, ProblemException, Problems } from '../common/problem';
import { formatMoney } from '../common/money';
import type { TaxpayerEntity } from '../taxpayers/taxpayer.entity';
import { usccProblem } from '../taxpayers/uscc';
import { InvoiceEntity, InvoiceLineEntity } from './invoice.entities';
import type { IssueInvoiceDto } from './invoice.dto';
import { deductionOf, differentialNote, differentialProblems } from './differential';
import type { DifferentialTaxationRecord } from './invoice.entities';
import { parseSpecificBusiness } from './specific-business';
import { computeInvoice } from './tax-math';

/** The remarks column's width. */
export const MAX_REMARKS = 500;

export interface InvoiceDraft {
  /** Everything but number, issuedAt, period and issuedBy. */
  invoice: Omit<InvoiceEntity, 'number' | 'issuedAt' | 'period' | 'issuedBy'>;
  lines: Omit<InvoiceLineEntity, 'invoiceNumber'>[];
}

export function draftInvoice(seller: TaxpayerEntity, dto: IssueInvoiceDto): InvoiceDraft | ProblemException {
  const errors: FieldError[] = [];
  const buyer = dto.buyer;
  if (buyer.taxId !== undefined) {
    const problem = usccProblem(buyer.taxId);
    if (problem) errors.push({ field: 'buyer.taxId', message: problem });
    else if (buyer.taxId === seller.taxId) errors.push({ field: 'buyer.taxId', message: 'the buyer cannot be the seller' });
  } else if (dto.type === 'special') {
    errors.push({ field: 'buyer.taxId', message: 'is required on a special invoice (数电专票)' });
  }
  let specific = null;
  if (dto.specificBusiness) {
    const parsed = parseSpecificBusiness(dto.specificBusiness);
    errors.push(...parsed.errors);
    specific = parsed.value;
  }
  let differential: DifferentialTaxationRecord | null = null;
  let deduction: bigint | null = null;
  let remarks = dto.remarks ?? '';
  if (dto.differentialTaxation) {
    const { kind, deductions } = dto.differentialTaxation;
    differential = {
      kind,
      deductions: deductions.map(({ voucherType, voucherNumber, voucherDate, amount }) => ({ voucherType, voucherNumber, voucherDate, amount })),
    };
    const problems = differentialProblems({ ...dto, differentialTaxation: differential });
    errors.push(...problems);
    deduction = deductionOf(differential);
    remarks = differentialNote(kind, deduction) + remarks;
    if (remarks.length > MAX_REMARKS)
      errors.push({ field: 'remarks', message: `with the 差额征税 note the remarks exceed ${MAX_REMARKS} characters: shorten them` });
    if (problems.length) return Problems.validation(errors);
  }
  const math = computeInvoice(dto.lines, dto.priceIncludesTax ?? false, differential?.kind === '02' ? { differentialDeduction: deduction! } : {});
  if (!math.ok) {
    const mismatches = math.problems.filter((p) => p.code === 'TAX_MISMATCH');
    if (mismatches.length && !errors.length && mismatches.length === math.problems.length) {
      const list = mismatches.map(({ field, message }) => ({ field, message }));
      return new ProblemException(422, 'TAX_MISMATCH', list.map((e) => `${e.field}: ${e.message}`).join('; '), { errors: list });
    }
    errors.push(...math.problems.map(({ field, message }) => ({ field, message })));
  }
  if (errors.length || !math.ok) return Problems.validation(errors);

  return {
    invoice: {
      type: dto.type,
      medium: dto.medium ?? 'electronic',
      color: 'blue',
      status: 'issued',
      sellerTaxId: seller.taxId,
      sellerName: seller.name,
      sellerAddress: seller.address,
      sellerPhone: seller.phone,
      sellerBankName: seller.bankName,
      sellerBankAccount: seller.bankAccount,
      buyerTaxId: buyer.taxId ?? null,
      buyerName: buyer.name,
      buyerAddress: buyer.address ?? '',
      buyerPhone: buyer.phone ?? '',
      buyerBankName: buyer.bankName ?? '',
      buyerBankAccount: buyer.bankAccount ?? '',
      buyerEmail: buyer.email ?? null,
      buyerHandlingName: buyer.handlingName || null,
      priceIncludesTax: dto.priceIncludesTax ?? false,
      totalAmount: math.totals.totalAmount,
      totalTax: math.totals.totalTax,
      totalWithTax: math.totals.totalWithTax,
      remarks,
      drawer: dto.drawer ?? '',
      specificBusinessType: specific?.type ?? null,
      specificBusiness: specific,
      differentialTaxation: differential,
      deduction,
      usage: null,
      usageConfirmedAt: null,
      blueNumber: null,
      redConfirmationId: null,
      accountingEntry: 'not_entered',
      voidedAt: null,
    },
    // A computed line is the stored line plus its display name, which the view derives again.
    lines: math.lines.map(({ name: _displayName, ...line }) => line),
  };
}

/** A paper invoice above the seller's single-invoice maximum (or with none set). */
export function paperLimitProblem(seller: TaxpayerEntity, totalAmount: bigint): ProblemException | null {
  const max = seller.paperMaxAmountPerInvoice;
  if (max !== null && totalAmount <= max) return null;
  const detail =
    max === null
      ? 'the seller has no single-invoice maximum for paper invoices; a tax officer sets paperMaxAmountPerInvoice'
      : `the amount ${formatMoney(totalAmount)} is above the single-invoice maximum for paper invoices, ${formatMoney(max)}`;
  return new ProblemException(422, 'PAPER_LIMIT_EXCEEDED', detail, { paperMaxAmountPerInvoice: max === null ? null : formatMoney(max) });
}
