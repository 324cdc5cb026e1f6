/** The shapes the console reads from the service's answers (API.md), for the pages' code. */
export type Me = {
  id?: string;
  kind?: string;
  username?: string;
  role: 'admin' | 'tax_officer' | 'taxpayer' | 'auditor';
  taxpayerId: string | null;
  csrfToken?: string;
};
export type Page<T> = { items: T[]; nextCursor: string | null };

export type Quota = {
  period: string;
  total: string;
  used: string;
  remaining: string;
  available: string;
  inDeclarationWindow: boolean;
  temporaryAdjusted: boolean;
  [k: string]: unknown;
};
export type LedgerEntry = { at: string; kind: string; delta: string; totalAfter: string; usedAfter: string; ref: string | null; reason?: string | null };

export type Party = {
  taxId: string;
  name: string;
  address?: string | null;
  phone?: string | null;
  bankName?: string | null;
  bankAccount?: string | null;
  email?: string | null;
};
export type InvoiceLine = {
  lineNo: number;
  name: string;
  itemName?: string;
  categoryShortName?: string;
  taxClassificationCode?: string;
  spec?: string | null;
  unit?: string | null;
  quantity: string | null;
  unitPrice: string | null;
  amount: string;
  taxRate: string;
  taxAmount: string;
  lineNature?: string;
};
export type SlipSummary = {
  id: string;
  number: string;
  status: string;
  reason: string;
  totalAmount: string;
  totalTax: string;
  redInvoiceNumber: string | null;
};
export type Invoice = {
  number: string;
  type: string;
  medium: string;
  color: 'blue' | 'red';
  status: string;
  issuedAt: string;
  seller: Party;
  buyer: Party;
  priceIncludesTax: boolean;
  lines: InvoiceLine[];
  totalAmount: string;
  totalTax: string;
  totalWithTax: string;
  totalWithTaxInWords: string;
  remarks?: string | null;
  drawer?: string | null;
  usage: string | null;
  accountingEntry: string;
  blueInvoiceNumber?: string | null;
  redConfirmations: SlipSummary[];
  redInvoices: { number: string; totalAmount?: string }[];
};
export type Preview = { lines: InvoiceLine[]; totalAmount: string; totalTax: string; totalWithTax: string; totalWithTaxInWords: string };

export type Slip = {
  id: string;
  number: string;
  status: string;
  statusName?: string;
  initiator: 'seller' | 'buyer';
  blueInvoiceNumber: string;
  sellerTaxId?: string;
  buyerTaxId?: string;
  reason: string;
  totalAmount: string;
  totalTax: string;
  inputTaxTransferOut: string;
  lines: { blueLineNo: number; quantity: string | null; amount: string; taxAmount: string }[];
  createdAt: string;
  expiresAt: string | null;
  redInvoiceNumber: string | null;
};
export type Application = {
  id: string;
  taxpayerId?: string;
  taxId?: string;
  period?: string;
  requestedTotal: string;
  reason: string;
  status: string;
  decisionReason?: string | null;
  createdAt?: string;
  decidedAt?: string | null;
};
export type Taxpayer = {
  taxId: string;
  name: string;
  regionCode?: string;
  taxpayerType?: string;
  filingFrequency?: string;
  riskLevel?: string;
  creditRating?: string;
  pilot?: boolean;
  paperMaxAmountPerInvoice?: string | null;
  address?: string | null;
  phone?: string | null;
};
export type Counterparty = {
  taxId: string;
  name: string;
  address?: string | null;
  phone?: string | null;
  bankName?: string | null;
  bankAccount?: string | null;
};
export type TaxClass = { code: string; shortName: string; name: string };
export type AuditEvent = {
  id: string;
  seq: number | null;
  at: string;
  actor: string;
  actorRole: string;
  action: string;
  objectType: string;
  objectId: string;
  taxpayerId: string | null;
  hash: string | null;
  before: unknown;
  after: unknown;
};
