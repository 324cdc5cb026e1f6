/** The logic of the 开具发票 form, kept out of React so Vitest can test it (invoiceForm.test.ts). */
import { productFen } from './decimal';
import { fenToMoney } from './format';
import { isBusinessField, toSpecificBusiness, type SpecificBusinessValues } from './specificBusiness';

export type LineValues = {
  name?: string;
  taxClassificationCode?: string;
  categoryShortName?: string;
  spec?: string;
  unit?: string;
  quantity?: string;
  unitPrice?: string;
  amount?: string;
  taxRate?: string;
};

export type BuyerValues = {
  taxId?: string;
  name?: string;
  address?: string;
  phone?: string;
  bankName?: string;
  bankAccount?: string;
  email?: string;
};

export type InvoiceFormValues = {
  type?: 'special' | 'ordinary';
  medium?: 'electronic' | 'paper';
  buyer?: BuyerValues;
  priceIncludesTax?: boolean;
  lines?: LineValues[];
  remarks?: string;
  drawer?: string;
  /** The chosen 特定业务 and its inputs, under the API's own member names (specificBusiness.ts). */
  specificBusiness?: SpecificBusinessValues;
};

const trimmed = (v: unknown): string | undefined => {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
};

/** Drops empty optional members so the service sees only what the user typed. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const t = typeof v === 'string' ? trimmed(v) : v;
    if (t !== undefined) out[k] = t;
  }
  return out as Partial<T>;
}

/** A line's amount from quantity x unit price (to fill 金额 when the user left it empty). */
export function lineAmount(line: LineValues): string | undefined {
  if (!trimmed(line.quantity) || !trimmed(line.unitPrice)) return undefined;
  const f = productFen(line.quantity!, line.unitPrice!);
  return f === null ? undefined : fenToMoney(f);
}

/** The body of POST /v1/invoices (and /preview) from the form's values. */
export function toIssueBody(v: InvoiceFormValues): Record<string, unknown> {
  const lines = (v.lines ?? []).map((l) => {
    const line = compact({ ...l }) as Record<string, unknown>;
    if (line.amount === undefined) {
      const a = lineAmount(l);
      if (a !== undefined) line.amount = a;
    }
    return line;
  });
  const body: Record<string, unknown> = {
    type: v.type ?? 'special',
    medium: v.medium ?? 'electronic',
    buyer: compact({ ...(v.buyer ?? {}) }),
    priceIncludesTax: Boolean(v.priceIncludesTax),
    lines,
  };
  const remarks = trimmed(v.remarks);
  if (remarks !== undefined) body.remarks = remarks;
  const drawer = trimmed(v.drawer);
  if (drawer !== undefined) body.drawer = drawer;
  const sb = toSpecificBusiness(v.specificBusiness);
  if (sb !== undefined) body.specificBusiness = sb;
  return body;
}

/** The preview's body: the tax math does not depend on the 特定业务 inputs, so the preview does
 * not complain about them while they are being typed (开具 sends them). */
export function toPreviewBody(v: InvoiceFormValues): Record<string, unknown> {
  const body = toIssueBody(v);
  delete body.specificBusiness;
  return body;
}

/** Whether a body is complete enough to ask the service for a preview (avoid noise while typing). */
export function previewable(body: Record<string, unknown>): boolean {
  const lines = body.lines as Record<string, unknown>[];
  return Array.isArray(lines) && lines.length > 0 && lines.every((l) => l.amount !== undefined && l.taxRate !== undefined && l.name !== undefined);
}

/** "lines[0].taxRate" -> ['lines', 0, 'taxRate'] (an Ant Design form field name). */
export function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const re = /([^[\]]+)|\[(\d+)\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(part))) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  }
  return out;
}

export type FieldError = { field: string; message: string };

/** The service's field errors placed on the form: paths that name a form field go there, the
 * rest are returned to be shown above the form. */
export function placeErrors(errors: FieldError[] | undefined, known: (path: (string | number)[]) => boolean) {
  const atFields: { name: (string | number)[]; errors: string[] }[] = [];
  const elsewhere: FieldError[] = [];
  for (const e of errors ?? []) {
    let path = fieldPath(e.field);
    if (path[0] === 'lines' && path[2] === 'taxAmount') path = ['lines', path[1], 'amount'];
    if (known(path)) {
      const prev = atFields.find((f) => f.name.join('.') === path.join('.'));
      if (prev) prev.errors.push(e.message);
      else atFields.push({ name: path, errors: [e.message] });
    } else elsewhere.push(e);
  }
  return { atFields, elsewhere };
}

/** One Idempotency-Key per form content: a double click or a retry of the same body reuses the
 * key (so the service issues once); a changed body after a refusal gets a fresh one (the service
 * would answer 409 IDEMPOTENCY_KEY_REUSED for the old key); reset() after success. */
export class IdempotencyKeeper {
  private key: string | null = null;
  private body: string | null = null;
  constructor(private readonly make: () => string = () => crypto.randomUUID()) {}

  keyFor(body: unknown): string {
    const json = JSON.stringify(body);
    if (this.key === null || this.body !== json) {
      this.key = this.make();
      this.body = json;
    }
    return this.key;
  }

  reset(): void {
    this.key = null;
    this.body = null;
  }
}

const TOP = new Set(['type', 'medium', 'priceIncludesTax', 'remarks', 'drawer']);
const BUYER = new Set(['taxId', 'name', 'address', 'phone', 'bankName', 'bankAccount', 'email']);
const LINE = new Set(['name', 'taxClassificationCode', 'categoryShortName', 'spec', 'unit', 'quantity', 'unitPrice', 'amount', 'taxRate']);

/** Whether a field path names an input of the 开具发票 form (with `lineCount` lines and the
 * 特定业务 values `business`). */
export function isFormField(path: (string | number)[], lineCount: number, business?: SpecificBusinessValues): boolean {
  if (path.length === 1) return TOP.has(String(path[0]));
  if (path[0] === 'specificBusiness') return isBusinessField(path, business);
  if (path[0] === 'buyer') return path.length === 2 && BUYER.has(String(path[1]));
  if (path[0] === 'lines') return path.length === 3 && typeof path[1] === 'number' && path[1] < lineCount && LINE.has(String(path[2]));
  return false;
}
