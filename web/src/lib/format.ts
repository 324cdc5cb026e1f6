/** Display helpers: money with thousands separators and two decimals, Beijing time, the
 * platform's own names for statuses and kinds (zh-CN). Pure functions, tested in format.test.ts. */

/** "1234567.5" | "-100000.00" -> "1,234,567.50" | "-100,000.00"; money stays a string (no float). */
export function money(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(String(value).trim());
  if (!m) return String(value);
  const [, sign, whole, frac = ''] = m;
  const cents = (frac + '00').slice(0, 2);
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}.${cents}`;
}

/** Money to integer fen (for sums in the browser), or null when it is not money. */
export function fen(value: string | null | undefined): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value ?? '').trim());
  if (!m) return null;
  const v = BigInt(m[2]) * 100n + BigInt(((m[3] ?? '') + '00').slice(0, 2));
  return m[1] ? -v : v;
}

/** Integer fen -> "1234.50" (the API's format). */
export function fenToMoney(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

const BEIJING = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** An instant shown in Beijing time: "2023-07-20 09:00:00". */
export function beijing(value: string | Date | null | undefined): string {
  if (!value) return '';
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return String(value);
  const parts = Object.fromEntries(BEIJING.formatToParts(d).map((p) => [p.type, p.value]));
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day} ${hour}:${parts.minute}:${parts.second}`;
}

/** The Beijing calendar month of an instant: "2023-07". */
export function beijingMonth(d: Date = new Date()): string {
  return beijing(d).slice(0, 7);
}

/** Time left until an instant, in Chinese: "还剩 71 小时 5 分" | "已到期". */
export function timeLeft(until: string | null | undefined, now: Date = new Date()): string {
  if (!until) return '';
  const ms = new Date(until).getTime() - now.getTime();
  if (!(ms > 0)) return '已到期';
  const minutes = Math.floor(ms / 60000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `还剩 ${h} 小时 ${m} 分` : `还剩 ${m} 分`;
}

export const INVOICE_TYPES: Record<string, string> = { special: '增值税专用发票（数电专票）', ordinary: '普通发票（数电普票）' };
export const INVOICE_TYPE_SHORT: Record<string, string> = { special: '专票', ordinary: '普票' };
export const MEDIA: Record<string, string> = { electronic: '电子', paper: '纸质' };
export const COLORS: Record<string, string> = { blue: '蓝字', red: '红字' };
export const INVOICE_STATUSES: Record<string, string> = {
  issued: '正常',
  red_partial: '部分红冲',
  red_full: '全额红冲',
  voided: '已作废',
};
/** The platform's names of slip statuses, verbatim (SPEC 6). */
export const SLIP_STATUSES: Record<string, string> = {
  '01': '无需确认',
  '02': '销方录入待购方确认',
  '03': '购方录入待销方确认',
  '04': '购销双方已确认',
  '05': '作废(销方录入购方否认)',
  '06': '作废(购方录入销方否认)',
  '07': '作废(超72小时未确认)',
  '08': '作废(发起方已撤销)',
  '09': '作废(确认后撤销)',
};
export const RED_REASONS: Record<string, string> = { '01': '开票有误', '02': '销货退回', '03': '服务中止', '04': '销售折让' };
export const USAGE_PURPOSES: Record<string, string> = {
  deduction: '抵扣',
  no_deduction: '不抵扣',
  export_refund: '出口退税',
  agent_export_refund: '代办退税',
};
export const LEDGER_KINDS: Record<string, string> = {
  initial: '初始额度',
  periodic: '定期调整',
  temporary: '临时调增',
  manual: '人工调整',
  issue: '开具发票',
  red_restore: '红冲恢复',
  paper_collection: '纸质发票领用',
  paper_void_restore: '纸质发票作废恢复',
};
export const ROLES: Record<string, string> = { admin: '系统管理员', tax_officer: '税务人员', taxpayer: '纳税人财务人员', auditor: '审计人员' };
export const APPLICATION_STATUSES: Record<string, string> = { pending: '待审核', approved: '已批准', rejected: '已驳回' };
export const TAX_RATES = ['0.13', '0.09', '0.06', '0.05', '0.03', '0.01', '0'];
export const rateLabel = (r: string) => `${Math.round(Number(r) * 10000) / 100}%`;

export const label = (table: Record<string, string>, key: string | null | undefined) => (key ? (table[key] ?? key) : '');

/** A user's state on the admin's list (GET /v1/users): locked after failed sign-ins until an
 * instant still ahead, no password (the bootstrap admin: API keys only), or normal. */
export function userState(
  u: { hasPassword: boolean; lockedUntil: string | null },
  now: Date = new Date(),
): { text: string; tone: 'green' | 'orange' | 'default' } {
  if (u.lockedUntil && new Date(u.lockedUntil).getTime() > now.getTime()) return { text: `已锁定至 ${beijing(u.lockedUntil)}`, tone: 'orange' };
  if (!u.hasPassword) return { text: '无密码（仅 API 密钥）', tone: 'default' };
  return { text: '正常', tone: 'green' };
}
