import { formatMoney } from '../common/money';
import { formatCst } from '../common/time';
import { amountInWords } from './amount-words';
import { InvoiceEntity, InvoiceLineEntity, LINE_NATURES, LineNatureCode } from './invoice.entities';
import { DIFFERENTIAL_KINDS } from './differential';
import { partiesOf } from './invoice-read-model';
import { displayName, PREFERENTIAL_POLICIES } from './tax-math';

/** 发票行性质 back to the national code, for the XML data file. */
export const LINE_NATURE_CODES: Record<string, LineNatureCode> = { normal: '0', discount: '1', discounted: '2' };

export function lineView(l: InvoiceLineEntity) {
  return {
    lineNo: l.lineNo,
    name: displayName(l.categoryShortName, l.itemName),
    itemName: l.itemName,
    categoryShortName: l.categoryShortName,
    taxClassificationCode: l.taxClassificationCode,
    spec: l.spec,
    unit: l.unit,
    quantity: l.quantity,
    unitPrice: l.unitPrice,
    amount: formatMoney(l.amount),
    taxRate: l.taxRate,
    taxAmount: formatMoney(l.taxAmount),
    preferentialPolicy: l.preferentialPolicy,
    preferentialPolicyName: l.preferentialPolicy ? PREFERENTIAL_POLICIES[l.preferentialPolicy as keyof typeof PREFERENTIAL_POLICIES] : null,
    /** 发票行性质: normal (0), discount (1, 折扣行), discounted (2, 被折扣行). */
    lineNature: LINE_NATURES[(l.lineNature ?? '0') as LineNatureCode] ?? 'normal',
  };
}

/** 差额征税 as the API shows it: kind, its name, the vouchers and the deduction (negative on a red). */
export function differentialView(inv: Pick<InvoiceEntity, 'differentialTaxation' | 'deduction'>) {
  const d = inv.differentialTaxation;
  if (!d) return null;
  return { kind: d.kind, kindName: DIFFERENTIAL_KINDS[d.kind], deductions: d.deductions, deduction: formatMoney(inv.deduction ?? 0n) };
}

/** The invoice as API.md shows it: money as "0.00" strings, time in +08:00. */
export function invoiceView(inv: InvoiceEntity, lines: InvoiceLineEntity[]) {
  return {
    number: inv.number,
    type: inv.type,
    medium: inv.medium,
    color: inv.color,
    status: inv.status,
    issuedAt: formatCst(inv.issuedAt),
    ...partiesOf(inv),
    priceIncludesTax: inv.priceIncludesTax,
    lines: [...lines].sort((a, b) => a.lineNo - b.lineNo).map(lineView),
    totalAmount: formatMoney(inv.totalAmount),
    totalTax: formatMoney(inv.totalTax),
    totalWithTax: formatMoney(inv.totalWithTax),
    totalWithTaxInWords: amountInWords(inv.totalWithTax),
    remarks: inv.remarks,
    drawer: inv.drawer,
    specificBusiness: inv.specificBusiness,
    differentialTaxation: differentialView(inv),
    usage: inv.usage,
    accountingEntry: inv.accountingEntry,
    voidedAt: inv.voidedAt ? formatCst(inv.voidedAt) : null,
    blueInvoiceNumber: inv.blueNumber,
    redConfirmationId: inv.redConfirmationId,
    redConfirmations: [] as unknown[],
    redInvoices: [] as unknown[],
  };
}

export type InvoiceView = ReturnType<typeof invoiceView>;
