import Decimal from 'decimal.js';
import type ExcelJS from 'exceljs';

/** exceljs takes seconds to load: only when a workbook is asked for, not at every start. */
const excel = async (): Promise<typeof ExcelJS> => (await import('exceljs')).default;
import { FieldError } from '../common/problem';

/**
 * 批量开具 from a spreadsheet (issue 12): the .xlsx template and reading a filled-in one into
 * issue bodies. One invoice per 发票流水号 (the rows sharing it are its lines; its invoice-level
 * columns are read from its first row). Rows with problems are reported, never thrown.
 */

type Level = 'invoice' | 'line';
interface Column {
  header: string;
  key: string;
  level: Level;
  required?: boolean;
  width: number;
  /** Kept as text in the template (long digit strings, leading zeros). */
  text?: boolean;
  help: string;
  example: string;
}

export const SHEET_COLUMNS: Column[] = [
  {
    header: '发票流水号',
    key: 'group',
    level: 'invoice',
    required: true,
    width: 12,
    text: true,
    help: '同一流水号的各行是同一张发票的各个项目；每个流水号开具一张发票',
    example: 'A001',
  },
  { header: '发票类型', key: 'type', level: 'invoice', required: true, width: 10, help: '专票（数电专票）或 普票（数电普票）', example: '专票' },
  { header: '介质', key: 'medium', level: 'invoice', width: 8, help: '电子 或 纸质；不填为电子', example: '电子' },
  { header: '购买方名称', key: 'buyer.name', level: 'invoice', required: true, width: 24, help: '购买方全称；自然人填姓名', example: '河南某某有限公司' },
  {
    header: '购买方纳税人识别号',
    key: 'buyer.taxId',
    level: 'invoice',
    width: 22,
    text: true,
    help: '统一社会信用代码（18位）；专票必填，自然人不填',
    example: '91410100MA00000021',
  },
  { header: '购买方地址', key: 'buyer.address', level: 'invoice', width: 24, help: '选填', example: '郑州市金水区花园路1号' },
  { header: '购买方电话', key: 'buyer.phone', level: 'invoice', width: 14, text: true, help: '选填', example: '0371-66666666' },
  { header: '购买方开户银行', key: 'buyer.bankName', level: 'invoice', width: 18, help: '选填', example: '中国银行郑州分行' },
  { header: '购买方银行账号', key: 'buyer.bankAccount', level: 'invoice', width: 22, text: true, help: '选填', example: '6200000000000000001' },
  { header: '购买方邮箱', key: 'buyer.email', level: 'invoice', width: 20, help: '选填；交付发票的邮箱', example: 'ap@example.com' },
  { header: '含税', key: 'priceIncludesTax', level: 'invoice', width: 6, help: '是：单价和金额含税；否或不填：不含税', example: '否' },
  { header: '备注', key: 'remarks', level: 'invoice', width: 20, help: '选填', example: '' },
  { header: '开票人', key: 'drawer', level: 'invoice', width: 10, help: '选填', example: '张三' },
  {
    header: '项目名称',
    key: 'name',
    level: 'line',
    required: true,
    width: 18,
    help: '货物或应税劳务、服务名称（不含*简称*，由税收分类编码带出）',
    example: '笔记本电脑',
  },
  {
    header: '税收分类编码',
    key: 'taxClassificationCode',
    level: 'line',
    required: true,
    width: 22,
    text: true,
    help: '19位数字；请以文本格式填写，以免表格软件改写长数字',
    example: '1090511030000000000',
  },
  {
    header: '税收分类简称',
    key: 'categoryShortName',
    level: 'line',
    required: true,
    width: 14,
    help: '税收分类编码对应的简称，票面显示为*简称*项目名称',
    example: '计算机',
  },
  { header: '规格型号', key: 'spec', level: 'line', width: 10, help: '选填', example: 'X1' },
  { header: '单位', key: 'unit', level: 'line', width: 6, help: '选填', example: '台' },
  { header: '数量', key: 'quantity', level: 'line', width: 8, help: '选填；与单价同时填写时 数量×单价=金额', example: '2' },
  { header: '单价', key: 'unitPrice', level: 'line', width: 10, help: '选填', example: '5000.00' },
  { header: '金额', key: 'amount', level: 'line', required: true, width: 12, help: '两位小数；含税为是时为含税金额', example: '10000.00' },
  { header: '税率', key: 'taxRate', level: 'line', required: true, width: 8, help: '13%、9%、6%、5%、3%、1.5%、1%、0%（或 0.13 等小数）', example: '13%' },
  { header: '税额', key: 'taxAmount', level: 'line', width: 10, help: '选填；填写时按 金额×税率 核对（误差不超过0.06）', example: '1300.00' },
  { header: '优惠政策标识', key: 'preferentialPolicy', level: 'line', width: 12, text: true, help: '选填：03 免税，04 不征税（税率须为0）', example: '' },
];

export const MAX_SHEET_ROWS = 10_000;

export async function buildTemplate(): Promise<Buffer> {
  const workbook = new (await excel()).Workbook();
  workbook.creator = 'einvoice';
  const sheet = workbook.addWorksheet('批量开具');
  sheet.columns = SHEET_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width, style: c.text ? { numFmt: '@' } : {} }));
  sheet.getRow(1).font = { bold: true };
  SHEET_COLUMNS.forEach((c, i) => {
    if (c.required) sheet.getRow(1).getCell(i + 1).font = { bold: true, color: { argb: 'FFC00000' } };
  });
  sheet.addRow(SHEET_COLUMNS.map((c) => c.example));
  sheet.views = [{ state: 'frozen', ySplit: 1 }];

  const help = workbook.addWorksheet('填写说明');
  help.columns = [
    { header: '列', width: 20 },
    { header: '必填', width: 8 },
    { header: '级别', width: 10 },
    { header: '说明', width: 80 },
  ];
  help.getRow(1).font = { bold: true };
  for (const c of SHEET_COLUMNS) help.addRow([c.header, c.required ? '是' : '否', c.level === 'invoice' ? '发票' : '项目（行）', c.help]);
  help.addRow([]);
  help.addRow(['说明', '', '', '第一张表每行一个项目；发票级的列（发票类型、购买方等）取同一流水号的第一行。上传后逐行显示结果，有错误的发票不会开具。']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export interface SheetRowResult {
  row: number;
  invoiceIndex: number | null;
  errors: FieldError[];
}

export interface SheetGroup {
  body: Record<string, unknown>;
  /** Spreadsheet row numbers of its lines, in order. */
  rows: number[];
  /** Problems found while reading, by row. */
  errors: Map<number, FieldError[]>;
}

/** A cell's value as the text a person typed (numbers without float noise), or ''. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? new Decimal(value).toString() : '';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value)
      return value.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('result' in value) return cellText((value as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in value) return String((value as { text: unknown }).text).trim();
    if ('error' in value) return '';
  }
  return String(value).trim();
}

const TYPES: Record<string, string> = {
  专票: 'special',
  数电专票: 'special',
  增值税专用发票: 'special',
  special: 'special',
  普票: 'ordinary',
  数电普票: 'ordinary',
  普通发票: 'ordinary',
  ordinary: 'ordinary',
};
const MEDIA: Record<string, string> = { 电子: 'electronic', electronic: 'electronic', 纸质: 'paper', paper: 'paper' };
const YES_NO: Record<string, boolean> = { 是: true, 否: false, Y: true, N: false, y: true, n: false, true: true, false: false, '1': true, '0': false };

/** '13%' -> '0.13'; '0.130' -> '0.13'; other text is passed on for the validator to name. */
export function normalizeRate(text: string): string {
  try {
    const percent = /^\s*(\d+(?:\.\d+)?)\s*[%％]\s*$/.exec(text);
    return percent ? new Decimal(percent[1]).div(100).toString() : /^\d+(\.\d+)?$/.test(text) ? new Decimal(text).toString() : text;
  } catch {
    return text;
  }
}

/** '5000' -> '5000.00' (money has two decimals); other text is passed on. */
export function normalizeMoney(text: string): string {
  return /^-?\d+(\.\d{1,2})?$/.test(text) ? new Decimal(text).toFixed(2) : text;
}

function set(target: Record<string, unknown>, key: string, value: unknown): void {
  const [head, tail] = key.split('.');
  if (tail === undefined) target[head] = value;
  else ((target[head] ??= {}) as Record<string, unknown>)[tail] = value;
}

/** Reads the first sheet into invoice bodies grouped by 发票流水号, with the problems found per row. */
export async function readSheet(buffer: Buffer): Promise<{ groups: SheetGroup[]; rows: SheetRowResult[] } | { fileError: string }> {
  const workbook = new (await excel()).Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    return { fileError: 'is not an .xlsx workbook (download the template: GET /v1/invoices/batch/template.xlsx)' };
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return { fileError: 'the workbook has no sheet' };
  if (sheet.rowCount > MAX_SHEET_ROWS + 1) return { fileError: `has more than ${MAX_SHEET_ROWS} rows; split it` };

  const headerIndex = new Map<string, number>();
  sheet.getRow(1).eachCell((cell, col) => headerIndex.set(cellText(cell.value), col));
  const missing = SHEET_COLUMNS.filter((c) => c.required && !headerIndex.has(c.header)).map((c) => c.header);
  if (missing.length) return { fileError: `the first row must name the columns; missing: ${missing.join('、')}` };

  const groups = new Map<string, SheetGroup>();
  const rows: SheetRowResult[] = [];
  const order: SheetGroup[] = [];
  for (let r = 2; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const values = new Map<string, string>();
    for (const c of SHEET_COLUMNS) {
      const col = headerIndex.get(c.header);
      values.set(c.key, col ? cellText(row.getCell(col).value) : '');
    }
    if ([...values.values()].every((v) => v === '')) continue; // blank row
    const errors: FieldError[] = [];
    const result: SheetRowResult = { row: r, invoiceIndex: null, errors };
    rows.push(result);
    const groupKey = values.get('group')!;
    if (!groupKey) {
      errors.push({ field: '发票流水号', message: '必填：同一张发票的各行填同一流水号' });
      continue;
    }
    let group = groups.get(groupKey);
    const first = !group;
    if (!group) {
      group = { body: {}, rows: [], errors: new Map() };
      groups.set(groupKey, group);
      order.push(group);
    }
    group.rows.push(r);
    group.errors.set(r, errors);
    const line: Record<string, unknown> = {};
    for (const c of SHEET_COLUMNS) {
      const text = values.get(c.key)!;
      if (c.key === 'group') continue;
      if (c.level === 'invoice') {
        if (!first) continue;
        if (text === '') {
          if (c.required) errors.push({ field: c.header, message: '必填' });
          continue;
        }
        if (c.key === 'type') {
          if (TYPES[text]) set(group.body, 'type', TYPES[text]);
          else errors.push({ field: c.header, message: '填 专票 或 普票' });
        } else if (c.key === 'medium') {
          if (MEDIA[text]) set(group.body, 'medium', MEDIA[text]);
          else errors.push({ field: c.header, message: '填 电子 或 纸质' });
        } else if (c.key === 'priceIncludesTax') {
          if (text in YES_NO) set(group.body, 'priceIncludesTax', YES_NO[text]);
          else errors.push({ field: c.header, message: '填 是 或 否' });
        } else set(group.body, c.key, c.key === 'buyer.taxId' ? text.toUpperCase() : text);
        continue;
      }
      if (text === '') {
        if (c.required) errors.push({ field: c.header, message: '必填' });
        continue;
      }
      if (c.key === 'taxClassificationCode' && !/^\d{19}$/.test(text)) {
        errors.push({
          field: c.header,
          message: /e\+?\d+$/i.test(text) || /^\d{16,18}$/.test(text) ? '长数字被表格软件改写了：请把此列设为文本格式后重新填写19位编码' : '必须是19位数字',
        });
        continue;
      }
      line[c.key] = c.key === 'taxRate' ? normalizeRate(text) : c.key === 'amount' || c.key === 'taxAmount' ? normalizeMoney(text) : text;
    }
    ((group.body.lines ??= []) as Record<string, unknown>[]).push(line);
  }
  return { groups: order, rows };
}

/** Which spreadsheet column a field path of the issue body comes from. */
export function columnOf(field: string): { line: number | null; header: string } {
  const lineMatch = /^lines\[(\d+)\](?:\.(\w+))?/.exec(field);
  const key = lineMatch ? (lineMatch[2] ?? 'name') : field.replace(/^body\./, '');
  const column = SHEET_COLUMNS.find((c) => c.key === key);
  return { line: lineMatch ? Number(lineMatch[1]) : null, header: column?.header ?? field };
}
