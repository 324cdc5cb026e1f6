import { csrfAllows, csrfTokenFor, sessionCookie } from '../../src/auth/browser-session';
import { newSetupCode, setupCodeDigest } from '../../src/auth/setup.service';
import { isServicePath } from '../../src/console';
import { cellText, columnOf, normalizeMoney, normalizeRate } from '../../src/invoices/batch-sheet';

// Issue 12: the pure pieces of the console's backend.
describe('browser session helpers', () => {
  const token = 'eis_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

  it.each([
    ['einvoice_session=' + token, token],
    ['theme=dark; einvoice_session=' + token + '; lang=zh', token],
    ['einvoice_session=eik_apikeyinacookie', null],
    ['einvoice_session=', null],
    ['other=1', null],
    [undefined, null],
  ])('reads the session cookie from %p', (header, expected) => {
    expect(sessionCookie({ headers: header === undefined ? {} : { cookie: header } } as never)).toBe(expected);
  });

  it.each([
    ['GET', undefined, true],
    ['HEAD', undefined, true],
    ['OPTIONS', undefined, true],
    ['POST', undefined, false],
    ['DELETE', 'wrong', false],
    ['PUT', csrfTokenFor(token), true],
    ['PATCH', csrfTokenFor(token + 'x'), false],
    ['POST', ['array'], false],
  ])('%s with X-CSRF-Token %p is allowed: %p', (method, header, allowed) => {
    expect(csrfAllows(method, token, header)).toBe(allowed);
  });

  it('binds the CSRF token to the session', () => {
    expect(csrfTokenFor(token)).toBe(csrfTokenFor(token));
    expect(csrfTokenFor(token)).not.toBe(csrfTokenFor(token.replace('a', 'b')));
  });
});

describe('setup codes', () => {
  it('are XXXX-XXXX from an unambiguous alphabet, and typed in any case, with or without the dash', () => {
    for (let i = 0; i < 50; i++) expect(newSetupCode()).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(setupCodeDigest('k7qm 4xpd')).toBe(setupCodeDigest('K7QM-4XPD'));
    expect(setupCodeDigest('K7QM-4XPE')).not.toBe(setupCodeDigest('K7QM-4XPD'));
  });
});

describe('serving the console', () => {
  it.each([
    ['/', false],
    ['/invoices/new', false],
    ['/v1x', false],
    ['/healthy', false],
    ['/documents', false],
    ['/v1', true],
    ['/v1/invoices', true],
    ['/docs', true],
    ['/docs/', true],
    ['/docs-json', true],
    ['/health', true],
    ['/health/ready', true],
  ])('%s belongs to the service: %p', (path, expected) => {
    expect(isServicePath(path)).toBe(expected);
  });
});

describe('reading the batch workbook', () => {
  it.each([
    [null, ''],
    ['  文本 ', '文本'],
    [2, '2'],
    [0.1 + 0.2, '0.30000000000000004'],
    [5000.5, '5000.5'],
    [3040603000000000000, '3040603000000000000'],
    [true, '是'],
    [{ richText: [{ text: '笔记本' }, { text: '电脑' }] }, '笔记本电脑'],
    [{ formula: 'A1*2', result: 10000 }, '10000'],
    [{ text: '链接', hyperlink: 'https://example.com' }, '链接'],
    [{ error: '#N/A' }, ''],
  ])('cell %p reads as %p', (value, text) => {
    expect(cellText(value as never)).toBe(text);
  });

  it.each([
    ['13%', '0.13'],
    ['1.5%', '0.015'],
    ['0%', '0'],
    ['0.130', '0.13'],
    ['6％', '0.06'],
    ['abc', 'abc'],
    ['0.13', '0.13'],
  ])('rate %p -> %p', (input, out) => {
    expect(normalizeRate(input)).toBe(out);
  });

  it.each([
    ['5000', '5000.00'],
    ['1000.5', '1000.50'],
    ['0.01', '0.01'],
    ['1.234', '1.234'],
    ['一千', '一千'],
  ])('money %p -> %p', (input, out) => {
    expect(normalizeMoney(input)).toBe(out);
  });

  it.each([
    ['lines[1].taxRate', 1, '税率'],
    ['lines[0]', 0, '项目名称'],
    ['buyer.taxId', null, '购买方纳税人识别号'],
    ['type', null, '发票类型'],
    ['lines', null, 'lines'],
  ])('field %p comes from line %p, column %p', (field, line, header) => {
    expect(columnOf(field)).toEqual({ line, header });
  });
});
