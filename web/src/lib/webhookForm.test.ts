import { describe, expect, it } from 'vitest';
import { attemptResult, canRedeliver, checkUrl, createBody, eventLabel, normaliseEvents } from './webhookForm';

// API.md "Webhooks": only http(s) targets; "*" subscribes to all; an admin registers for a taxpayer
// with taxId; redelivery of a delivery that is not pending.

describe('the receiving address', () => {
  it.each([
    ['', '请填写接收地址'],
    ['erp.example.com/hook', '不是有效的网址，例如 https://erp.example.com/einvoice'],
    ['ftp://erp.example.com/hook', '只支持 http 或 https 地址'],
    ['https://user:pw@erp.example.com/hook', '地址中不能包含用户名或密码'],
    ['https://erp.example.com/einvoice', null],
    [' http://10.0.0.5:8080/hook ', null],
  ])('%j -> %j', (url, problem) => {
    expect(checkUrl(url)).toBe(problem);
  });
});

describe('the events', () => {
  it('"*" alone when chosen', () => expect(normaliseEvents(['invoice.issued', '*'])).toEqual(['*']));
  it('once each, in the service order', () =>
    expect(normaliseEvents(['quota.total_changed', 'invoice.received', 'invoice.received'])).toEqual(['invoice.received', 'quota.total_changed']));
  it('named in Chinese', () => {
    expect(eventLabel('*')).toBe('全部事件');
    expect(eventLabel('invoice.received')).toBe('收到发票（购买方）');
    expect(eventLabel('something.new')).toBe('something.new');
  });
});

describe('the create body', () => {
  it('a taxpayer: no taxId, description trimmed or left out', () => {
    expect(createBody({ url: ' https://erp.example.com/h ', events: ['invoice.issued'], description: '  ' }, false)).toEqual({
      body: { url: 'https://erp.example.com/h', events: ['invoice.issued'] },
    });
  });
  it('an admin names the taxpayer (upper-cased)', () => {
    expect(createBody({ url: 'https://erp.example.com/h', events: ['*'], taxId: '91410100ma44abcd1x', description: 'ERP' }, true)).toEqual({
      body: { url: 'https://erp.example.com/h', events: ['*'], description: 'ERP', taxId: '91410100MA44ABCD1X' },
    });
  });
  it('every problem at once, by field', () => {
    expect(createBody({ url: 'ftp://x', events: [] }, true)).toEqual({
      errors: { url: '只支持 http 或 https 地址', events: '请至少选择一个事件', taxId: '请填写接收事件的纳税人识别号（18 位）' },
    });
  });
});

describe('attempts and redelivery', () => {
  it.each([
    [{ statusCode: 200, errorClass: null }, 'HTTP 200'],
    [{ statusCode: 500, errorClass: 'http_status' }, 'HTTP 500 · 对方返回错误状态'],
    [{ statusCode: 302, errorClass: 'redirect' }, 'HTTP 302 · 重定向（不跟随）'],
    [{ statusCode: null, errorClass: 'timeout' }, '超时（10 秒）'],
    [{ statusCode: null, errorClass: null }, '无响应'],
  ])('%j reads %j', (a, text) => expect(attemptResult(a)).toBe(text));
  it('only a delivery that is not pending is sent again', () => {
    expect(['pending', 'succeeded', 'failed', 'cancelled'].filter((status) => canRedeliver({ status }))).toEqual(['succeeded', 'failed', 'cancelled']);
  });
});
