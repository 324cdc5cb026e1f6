/**
 * The invoice as the renderers read it (the XML data file, the PDF and OFD faces): typed, built
 * once from the database entities by a pure function, never parsed back from the API's JSON view
 * (invoice.view.ts, which stays what docs/api.md shows).
 *
 * - Money is integer fen in `bigint` (src/common/money.ts); the renderers print it with
 *   `formatMoney`. Signs as stored: negative on a red invoice.
 * - Rates are `TaxRate`, 免税/不征税 marks `PreferentialPolicy`, 发票行性质 its national code.
 * - `issuedAt` is the instant (`Date`); calendar days the client entered (voucher, lease and
 *   travel dates) stay `YYYY-MM-DD` strings, and quantities and unit prices the exact decimal
 *   strings they are stored as (decimal.js precision, never a float).
 * - Relations: a red invoice's blue invoice and confirmation slip (`red`), the lines in line
 *   order, the specific business and 差额征税.
 *
 * Plain objects only (no class instance, no function): the model crosses into the rendering
 * worker threads by structured clone, which keeps `bigint` and `Date` but drops prototypes.
 */
import { fenFromDb, parseMoney } from '../common/money';
import type { DifferentialTaxationRecord, InvoiceEntity, InvoiceLineEntity, InvoiceStatus, InvoiceType, Medium } from './invoice.entities';
import { LINE_NATURES } from './invoice.entities';
import type { Construction, Lease, PassengerTransport, RealEstateSale, Transport } from './specific-business';
import { displayName, PREFERENTIAL_POLICIES, TAX_RATES, type ComputedLine, type PreferentialPolicy, type TaxRate } from './tax-math';

export interface PartyReadModel {
  taxId: string;
  name: string;
  address: string;
  phone: string;
  bankName: string;
  bankAccount: string;
}

export interface BuyerReadModel extends Omit<PartyReadModel, 'taxId'> {
  /** Null for a natural person. */
  taxId: string | null;
  email: string | null;
  /** 经办人. */
  handlingName: string | null;
}

/**
 * A line as issuing computed it (tax-math's ComputedLine: name *简称*名称, quantities and unit
 * prices the exact decimals stored, amounts in fen), its rate typed; 发票行性质 the national code.
 */
export interface InvoiceLineReadModel extends Omit<ComputedLine, 'taxRate'> {
  taxRate: TaxRate;
}

/** 05 不动产销售 with 核定计税价格 and 实际成交含税金额 in fen. */
export type RealEstateSaleReadModel = Omit<RealEstateSale, 'assessedTaxPrice' | 'actualTransactionAmount'> & {
  assessedTaxPrice?: bigint;
  actualTransactionAmount?: bigint;
};

export type SpecificBusinessReadModel = Construction | Transport | RealEstateSaleReadModel | Lease | PassengerTransport;

export interface DeductionVoucherReadModel {
  voucherType: string;
  voucherNumber: string;
  /** YYYY-MM-DD. */
  voucherDate: string;
  amount: bigint;
}

/** 差额征税: the kind, the deduction (negative on a red) and the blue's vouchers (none on a red). */
export interface DifferentialReadModel {
  kind: DifferentialTaxationRecord['kind'];
  deduction: bigint;
  vouchers: DeductionVoucherReadModel[];
}

export interface InvoiceReadModel {
  number: string;
  type: InvoiceType;
  medium: Medium;
  status: InvoiceStatus;
  issuedAt: Date;
  seller: PartyReadModel;
  buyer: BuyerReadModel;
  priceIncludesTax: boolean;
  /** In line order. */
  lines: InvoiceLineReadModel[];
  totalAmount: bigint;
  totalTax: bigint;
  totalWithTax: bigint;
  remarks: string;
  drawer: string;
  specificBusiness: SpecificBusinessReadModel | null;
  differential: DifferentialReadModel | null;
  /** Null on a blue invoice; on a red, the blue it reverses and the number of the slip it was issued from. */
  red: { blueNumber: string | null; slipNumber: string | null } | null;
}

/** What the invoice's relations add (the red-letter module finds a red invoice's slip). */
export interface ReadModelRelations {
  redConfirmationNumber?: string | null;
}

function taxRateOf(invoice: string, line: InvoiceLineEntity): TaxRate {
  const rate = line.taxRate;
  if (!(TAX_RATES as readonly string[]).includes(rate))
    throw new Error(`invoice ${invoice} line ${line.lineNo}: tax rate ${JSON.stringify(rate)} is not one of ${TAX_RATES.join(', ')}`);
  return rate as TaxRate;
}

function policyOf(code: string | null): PreferentialPolicy | null {
  return code !== null && Object.prototype.hasOwnProperty.call(PREFERENTIAL_POLICIES, code) ? (code as PreferentialPolicy) : null;
}

export function lineReadModel(invoice: string, l: InvoiceLineEntity): InvoiceLineReadModel {
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
    amount: fenFromDb(l.amount),
    taxRate: taxRateOf(invoice, l),
    taxAmount: fenFromDb(l.taxAmount),
    preferentialPolicy: policyOf(l.preferentialPolicy),
    lineNature: l.lineNature && Object.prototype.hasOwnProperty.call(LINE_NATURES, l.lineNature) ? l.lineNature : '0',
  };
}

/** The stored specific business, its money strings as fen (a copy: the entity's JSON is not shared). */
export function specificBusinessReadModel(stored: object | null): SpecificBusinessReadModel | null {
  if (!stored) return null;
  const sb = structuredClone(stored) as Record<string, unknown>;
  if (sb.type === '05') {
    for (const key of ['assessedTaxPrice', 'actualTransactionAmount']) if (typeof sb[key] === 'string') sb[key] = parseMoney(sb[key]);
  }
  return sb as unknown as SpecificBusinessReadModel;
}

function differentialReadModel(inv: Pick<InvoiceEntity, 'differentialTaxation' | 'deduction'>): DifferentialReadModel | null {
  const d = inv.differentialTaxation;
  if (!d) return null;
  return {
    kind: d.kind,
    deduction: fenFromDb(inv.deduction ?? 0n),
    vouchers: d.deductions.map((v) => ({
      voucherType: v.voucherType,
      voucherNumber: v.voucherNumber,
      voucherDate: v.voucherDate,
      amount: parseMoney(v.amount),
    })),
  };
}

/** Seller and buyer of the invoice's row (the API's view shows them in this very shape). */
export function partiesOf(inv: InvoiceEntity): { seller: PartyReadModel; buyer: BuyerReadModel } {
  return {
    seller: {
      taxId: inv.sellerTaxId,
      name: inv.sellerName,
      address: inv.sellerAddress,
      phone: inv.sellerPhone,
      bankName: inv.sellerBankName,
      bankAccount: inv.sellerBankAccount,
    },
    buyer: {
      taxId: inv.buyerTaxId,
      name: inv.buyerName,
      address: inv.buyerAddress,
      phone: inv.buyerPhone,
      bankName: inv.buyerBankName,
      bankAccount: inv.buyerBankAccount,
      email: inv.buyerEmail,
      handlingName: inv.buyerHandlingName ?? null,
    },
  };
}

/** The read model of an invoice, from its row, its lines (any order) and its relations. Pure. */
export function invoiceReadModel(inv: InvoiceEntity, lines: InvoiceLineEntity[], relations: ReadModelRelations = {}): InvoiceReadModel {
  return {
    number: inv.number,
    type: inv.type,
    medium: inv.medium,
    status: inv.status,
    issuedAt: new Date(inv.issuedAt.getTime()),
    ...partiesOf(inv),
    priceIncludesTax: inv.priceIncludesTax,
    lines: [...lines].sort((a, b) => a.lineNo - b.lineNo).map((l) => lineReadModel(inv.number, l)),
    totalAmount: fenFromDb(inv.totalAmount),
    totalTax: fenFromDb(inv.totalTax),
    totalWithTax: fenFromDb(inv.totalWithTax),
    remarks: inv.remarks,
    drawer: inv.drawer,
    specificBusiness: specificBusinessReadModel(inv.specificBusiness),
    differential: differentialReadModel(inv),
    red: inv.color === 'red' ? { blueNumber: inv.blueNumber, slipNumber: relations.redConfirmationNumber ?? null } : null,
  };
}
