/** The webhook page's rules (API.md "Webhooks"), kept out of the page so vitest can check them. */
import type { components } from '../api/schema';

export type Webhook = components['schemas']['WebhookDto'];
export type WebhookCreated = components['schemas']['WebhookCreatedDto'];
export type WebhookDelivery = components['schemas']['WebhookDeliveryDto'];
export type WebhookAttempt = components['schemas']['WebhookAttemptDto'];

/** The event types in the service's order, with the names finance staff read. */
export const EVENT_LABELS: Record<string, string> = {
  'invoice.issued': '发票开具（销售方）',
  'invoice.received': '收到发票（购买方）',
  'invoice.voided': '发票作废',
  'red_confirmation.created': '红字确认单录入',
  'red_confirmation.awaiting_confirmation': '红字确认单待我方确认',
  'red_confirmation.confirmed': '红字确认单已确认',
  'red_confirmation.rejected': '红字确认单已否认',
  'red_confirmation.revoked': '红字确认单已撤销',
  'red_confirmation.expired': '红字确认单超期作废',
  'red_invoice.issued': '红字发票开具',
  'quota.total_changed': '发票额度变更',
  'quota.application_decided': '额度调整申请审核',
  'delivery.failed': '推送最终失败',
};
export const ALL_EVENTS = '*';
export const eventLabel = (type: string) => (type === ALL_EVENTS ? '全部事件' : (EVENT_LABELS[type] ?? type));

export const DELIVERY_STATUSES: Record<string, { text: string; color: string }> = {
  pending: { text: '待推送', color: 'blue' },
  succeeded: { text: '成功', color: 'green' },
  failed: { text: '失败', color: 'red' },
  cancelled: { text: '已取消', color: 'default' },
};

const ERROR_CLASSES: Record<string, string> = {
  http_status: '对方返回错误状态',
  redirect: '重定向（不跟随）',
  timeout: '超时（10 秒）',
  refused: '目标地址被拒绝',
  network: '网络连接失败',
  invalid_url: '地址无效',
};

/** One attempt's result as a short phrase: the HTTP status, and why it failed. */
export function attemptResult(a: { statusCode: number | null; errorClass: string | null }): string {
  const why = a.errorClass ? (ERROR_CLASSES[a.errorClass] ?? a.errorClass) : '';
  if (a.statusCode !== null && a.statusCode !== undefined) return why ? `HTTP ${a.statusCode} · ${why}` : `HTTP ${a.statusCode}`;
  return why || '无响应';
}

/** The receiving address: required, http(s), no user name or password in it. Answers the problem in Chinese, or null. */
export function checkUrl(value: string | undefined): string | null {
  const text = (value ?? '').trim();
  if (!text) return '请填写接收地址';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '不是有效的网址，例如 https://erp.example.com/einvoice';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return '只支持 http 或 https 地址';
  if (url.username || url.password) return '地址中不能包含用户名或密码';
  return null;
}

/** The events to subscribe: "*" alone when chosen, otherwise the chosen ones once each, in the service's order. */
export function normaliseEvents(chosen: string[] | undefined): string[] {
  const set = new Set(chosen ?? []);
  if (set.has(ALL_EVENTS)) return [ALL_EVENTS];
  const known = Object.keys(EVENT_LABELS).filter((t) => set.has(t));
  return [...known, ...[...set].filter((t) => !(t in EVENT_LABELS))];
}

export type CreateValues = { url?: string; events?: string[]; description?: string; taxId?: string };
export type CreateBody = { url: string; events: string[]; description?: string; taxId?: string };

/**
 * The POST /v1/webhooks body, or the problems by field: an admin names the taxpayer (18
 * characters), a taxpayer's own is implied; at least one event.
 */
export function createBody(values: CreateValues, isAdmin: boolean): { body: CreateBody } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const urlProblem = checkUrl(values.url);
  if (urlProblem) errors.url = urlProblem;
  const events = normaliseEvents(values.events);
  if (events.length === 0) errors.events = '请至少选择一个事件';
  const taxId = values.taxId?.trim().toUpperCase() ?? '';
  if (isAdmin && !/^[0-9A-Z]{18}$/.test(taxId)) errors.taxId = '请填写接收事件的纳税人识别号（18 位）';
  if (Object.keys(errors).length) return { errors };
  const description = values.description?.trim();
  return {
    body: {
      url: values.url!.trim(),
      events,
      ...(description ? { description } : {}),
      ...(isAdmin ? { taxId } : {}),
    },
  };
}

/** Only a delivery that is not pending can be sent again (the service answers 409 otherwise). */
export const canRedeliver = (d: { status: string }) => d.status !== 'pending';
