/** RFC 9457 problems from the service, told in Chinese where they are shown (issue 12). */
import { money } from './format';

export type Problem = {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
  available?: string;
  retryAfter?: number;
};

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problemMessage(problem));
  }
}

const CODES: Record<string, string> = {
  VALIDATION_FAILED: '填写的内容有误，请按提示修改',
  UNAUTHENTICATED: '登录已失效，请重新登录',
  FORBIDDEN: '没有权限执行此操作',
  CSRF_FAILED: '页面已过期，请刷新后重试',
  NOT_FOUND: '未找到该记录',
  IDEMPOTENCY_KEY_REUSED: '同一请求标识已用于不同内容，请刷新后重试',
  INVALID_STATE: '当前状态不允许此操作',
  RED_NOT_ALLOWED: '不允许此红冲',
  TAX_MISMATCH: '税额与金额×税率不符（差额超过 0.06 元）',
  PAPER_LIMIT_EXCEEDED: '超过纸质发票单张最高开票限额',
  RATE_LIMITED: '请求过于频繁',
  SERVICE_UNAVAILABLE: '服务繁忙',
};

/** A sentence in Chinese for a problem: the code's meaning plus its numbers (and the service's detail). */
export function problemMessage(p: Problem): string {
  if (p.code === 'QUOTA_EXCEEDED') {
    return `超出可用额度：本月当前可开具金额为 ${money(p.available ?? '0.00')} 元`;
  }
  if (p.status === 429 || p.code === 'RATE_LIMITED') {
    return `请求过于频繁，请 ${p.retryAfter ?? 1} 秒后重试`;
  }
  if (p.status === 503) {
    return `服务繁忙，请 ${p.retryAfter ?? 1} 秒后重试（重试不会重复开具）`;
  }
  const base = (p.code && CODES[p.code]) || p.title || `请求失败（${p.status}）`;
  return p.detail && p.code !== 'VALIDATION_FAILED' ? `${base}：${p.detail}` : base;
}
