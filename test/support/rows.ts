import { InvoiceLineEntity } from '../../src/invoices/invoice.entities';

/** A plain invoice line row (100.00 at 13 %), for tests that write invoices straight to the tables. */
export function invoiceLineRow(invoiceNumber: string, lineNo: number): InvoiceLineEntity {
  return {
    invoiceNumber,
    lineNo,
    itemName: '商品',
    categoryShortName: '计算机',
    taxClassificationCode: '1090511030000000000',
    spec: '',
    unit: '',
    quantity: null,
    unitPrice: null,
    amount: 10000n,
    taxRate: '0.13',
    taxAmount: 1300n,
    preferentialPolicy: null,
    lineNature: '0',
  };
}
