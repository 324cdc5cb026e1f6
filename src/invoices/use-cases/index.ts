/** Issuing, one operation a class: what the invoices module does when it issues. */
export { IssueInvoice } from './issue-invoice';
export { IssueBatch, BatchResult } from './issue-batch';
export { IssueRedInvoice, RedSlip } from './issue-red-invoice';
export { PreviewInvoice } from './preview-invoice';
export { Issuer } from './issuer';

import { IssueBatch } from './issue-batch';
import { IssueInvoice } from './issue-invoice';
import { IssueRedInvoice } from './issue-red-invoice';
import { Issuer } from './issuer';
import { PreviewInvoice } from './preview-invoice';

export const ISSUING_USE_CASES = [Issuer, IssueInvoice, IssueBatch, IssueRedInvoice, PreviewInvoice];
