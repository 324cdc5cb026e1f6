import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isEmail } from 'class-validator';
import request, { type Response } from 'supertest';
import { OutboxEventEntity } from '../../src/database/outbox.entity';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher';
import { AuditChainService } from '../../src/audit/audit-chain.service';
import { usccCheckCharacter } from '../../src/taxpayers/uscc';
import { apiExampleBody, LAPTOP } from '../support/drivers';
import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, setClock, startApp, taxpayerBody, TestApp } from '../support/test-app';

// Issue 6, the fuzz test: "sends thousands of malformed and hostile bodies (wrong types, huge
// numbers, NaN, negative quantities, unicode edge cases, SQL and XML metacharacters, deep nesting)
// to every POST route and asserts no 5xx and no state change". API.md "Conventions": errors are
// problem details with a stable `code`, "never a stack trace, never a 500 for bad input".
//
// Phase A sends only requests that must be refused: each body is a valid body of its route with
// random hostile mutations plus one "poison" that makes it invalid by the contract (a field with
// a value its type or enum or pattern cannot take, an unknown field, or a refusal of the business
// rules: a tax mismatch, another taxpayer, a slip in the wrong state...), or it goes to an object
// whose state refuses the action whatever the body says. Every response must be < 500, problem+json
// with a `code` when >= 400, and a refusal; after each test's requests every table holds exactly
// what it held before them (each test checks its own, so any test can run alone). Phase B sends
// hostile text that is valid input: it must be stored and read back exactly as sent (or be
// refused with 400). The generator is a seeded PRNG (FUZZ_SEED to vary it), so a run is
// reproducible: a failure prints the route, the case and the body.

const T0 = '2023-07-20T09:00:00+08:00';
const SEED = Number(process.env.FUZZ_SEED ?? 20230720);
const CONCURRENCY = 8;
/** Mutated bodies per route (the raw non-JSON bodies and content types come on top). */
const MUTATIONS = 50;
const BODYLESS_MUTATIONS = 16;

type Json = any;

// ------------------------------------------------------------------ PRNG

/** mulberry32: a tiny, seedable PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)];
const seedOf = (name: string) => [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, SEED);

// ------------------------------------------------------------------ hostile values

/** Serialized as a bare JSON token (numbers JSON.stringify cannot write: 1e309, -0, huge integers). */
const RAW = (token: string) => `\u0002RAW:${token}`;
/** A key serialized as "__proto__" (an object literal cannot hold it as an own key). */
const PROTO = '\u0001PROTO';

function toJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/"\\u0002RAW:([^"]*)"/g, '$1')
    .replace(/"\\u0001PROTO"/g, '"__proto__"');
}
/** What the server sees for a value, to judge whether it could be valid. */
function effective(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith('\u0002RAW:')) return JSON.parse(value.slice(5));
  return value;
}

function deepObject(levels: number): Json {
  let v: Json = 'bottom';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}
function deepArray(levels: number): Json {
  let v: Json = 0;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}
const deepRawObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const deepRawArray = (levels: number) => '['.repeat(levels) + '1' + ']'.repeat(levels);

const XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>';
const HOSTILE: (() => unknown)[] = [
  () => null,
  () => true,
  () => false,
  () => 0,
  () => -1,
  () => 1.5,
  () => -0.01,
  () => 9007199254740993,
  () => Number.MAX_VALUE,
  () => -2147483649,
  () => RAW('-0'),
  () => RAW('1e309'),
  () => RAW('-1e309'),
  () => RAW('123456789012345678901234567890'),
  () => RAW('1e-400'),
  () => '1e309',
  () => 'NaN',
  () => 'Infinity',
  () => '-Infinity',
  () => '-0',
  () => '-0.00',
  () => '-2',
  () => '-100.00',
  () => '-0.01',
  () => '0.00',
  () => '00.10',
  () => '1,000.00',
  () => '１２３.００',
  () => '+100.00',
  () => '100.001',
  () => '1e2',
  () => ' 100.00',
  () => '100.00\n',
  () => '0x10',
  () => '99999999999999999999.99',
  () => '123456789012345678901234567890',
  () => '',
  () => ' ',
  () => '\u0000',
  () => 'a\u0000b',
  () => '\ud800',
  () => '\udfff',
  () => '\udc00\ud800',
  () => '\u202e\u200fRTL',
  () => '\u200b\ufeff',
  () => '😀',
  () => '👨‍👩‍👧‍👦',
  () => 'e\u0301\u0301\u0301',
  () => '𠀀𪚥',
  () => "' OR 1=1 --",
  () => "'; DROP TABLE invoices; --",
  () => '" OR ""="',
  () => '\\',
  () => '%_%',
  () => "1' AND SLEEP(5)#",
  () => XXE,
  () => '<?xml',
  () => ']]>',
  () => '&lt;',
  () => '&#0;',
  () => '<script>alert(1)</script>',
  () => '${jndi:ldap://x/a}',
  () => '{{7*7}}',
  () => '../../../../etc/passwd',
  () => 'true',
  () => 'null',
  () => 'undefined',
  () => '[object Object]',
  () => '__proto__',
  () => '2023-02-30',
  () => '2023-13',
  () => '9999-99',
  () => '2023-07-20T25:00:00+08:00',
  () => 'A'.repeat(257),
  () => '长'.repeat(5000),
  () => [],
  () => [null],
  () => [1, 'a', {}],
  () => [[[[]]]],
  () => ({}),
  () => ({ a: 1 }),
  () => ({ [PROTO]: { polluted: 'yes' } }),
  () => ({ constructor: { prototype: { polluted: 'yes' } } }),
  () => deepObject(200),
  () => deepArray(200),
  () => new Array(1000).fill('x'),
];
const hostile = (rng: Rng) => HOSTILE[int(rng, HOSTILE.length)]();

// ------------------------------------------------------------------ field specs: what could be valid

type Check = (v: unknown) => boolean;
interface Spec {
  /** Whether the value could be valid here (conservative: when unsure, true). */
  ok: Check;
  required: boolean;
}
const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
const anyString: Check = (v) => typeof v === 'string';
const len =
  (n: number): Check =>
  (v) =>
    typeof v === 'string' && v.length === n;
const matches =
  (re: RegExp): Check =>
  (v) =>
    typeof v === 'string' && re.test(v);
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const bool: Check = (v) => typeof v === 'boolean';
const integer =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const MAX_FEN = 999_999_999_999_999n;
const money =
  (minFen = -MAX_FEN, maxFen = MAX_FEN): Check =>
  (v) => {
    if (typeof v !== 'string' || !/^-?\d+\.\d{2}$/.test(v)) return false;
    const fen = BigInt(v.replace('.', ''));
    return fen >= minFen && fen <= maxFen;
  };
const decimal = matches(/^\d+(\.\d+)?$/);
const objectsArray: Check = (v) => Array.isArray(v) && v.length > 0 && v.every(isObject);
const req = (ok: Check): Spec => ({ ok, required: true });
const opt = (ok: Check): Spec => ({ ok, required: false });
/** null means absent (API.md: responses show absent fields as null): valid where the field is optional. */
function couldBeValid(spec: Spec, value: unknown): boolean {
  if (value === null || value === undefined) return !spec.required;
  try {
    return spec.ok(effective(value));
  } catch {
    return false; // validator.js's isEmail throws on a lone surrogate: certainly not a valid address
  }
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const ROLES = ['admin', 'tax_officer', 'taxpayer', 'auditor'];
const TAX_RATES = ['0.13', '0.09', '0.06', '0.05', '0.03', '0.015', '0.01', '0'];

const TAXPAYER_SPEC: Record<string, Spec> = {
  taxId: req(len(18)),
  name: req(anyString),
  regionCode: opt(len(2)),
  address: opt(anyString),
  phone: opt(anyString),
  bankName: opt(anyString),
  bankAccount: opt(anyString),
  taxpayerType: opt(oneOf('general', 'small_scale')),
  filingFrequency: opt(oneOf('monthly', 'quarterly')),
  riskLevel: opt(oneOf('low', 'medium', 'high')),
  creditRating: opt(oneOf('A', 'B', 'M', 'C', 'D')),
  pilot: opt(bool),
  initialQuota: opt(money(0n)),
  paperMaxAmountPerInvoice: opt(money(0n)),
};
const INVOICE_SPEC: Record<string, Spec> = {
  type: req(oneOf('special', 'ordinary')),
  medium: opt(oneOf('electronic', 'paper')),
  buyer: req(isObject),
  'buyer.taxId': opt(len(18)),
  'buyer.name': req(anyString),
  'buyer.address': opt(anyString),
  'buyer.phone': opt(anyString),
  'buyer.bankName': opt(anyString),
  'buyer.bankAccount': opt(anyString),
  'buyer.email': opt((v) => typeof v === 'string' && isEmail(v)),
  priceIncludesTax: opt(bool),
  lines: req(objectsArray),
  'lines.0': req(isObject),
  'lines.0.name': req(anyString),
  'lines.0.taxClassificationCode': req(matches(/^\d{19}$/)),
  'lines.0.categoryShortName': req(anyString),
  'lines.0.spec': opt(anyString),
  'lines.0.unit': opt(anyString),
  'lines.0.quantity': opt(decimal),
  'lines.0.unitPrice': opt(decimal),
  'lines.0.amount': req(money(1n)),
  'lines.0.taxRate': req(oneOf(...TAX_RATES)),
  'lines.0.taxAmount': opt(money(0n)),
  remarks: opt(anyString),
  drawer: opt(anyString),
  specificBusiness: opt(isObject),
};
const SLIP_SPEC: Record<string, Spec> = {
  blueInvoiceNumber: req(matches(/^\d{20}$/)),
  reason: req(oneOf('01', '02', '03', '04')),
  lines: opt(objectsArray),
  'lines.0': req(isObject),
  'lines.0.blueLineNo': req(integer(1, 2000)),
  'lines.0.quantity': opt(matches(/^-\d+(\.\d+)?$/)),
  'lines.0.amount': req(money(-MAX_FEN, -1n)),
  'lines.0.taxAmount': opt(money(-MAX_FEN, 0n)),
  autoIssue: opt(bool),
};

// ------------------------------------------------------------------ JSON paths

type Key = string | number;
function nodes(root: Json, at: Key[] = []): Key[][] {
  const out: Key[][] = [];
  if (Array.isArray(root)) root.forEach((v, i) => out.push([...at, i], ...nodes(v, [...at, i])));
  else if (isObject(root)) for (const k of Object.keys(root)) out.push([...at, k], ...nodes(root[k], [...at, k]));
  return out;
}
const parentOf = (root: Json, p: Key[]) => p.slice(0, -1).reduce((node, k) => (node == null ? undefined : node[k]), root);
const keysOf = (dotted: string): Key[] => dotted.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));

// ------------------------------------------------------------------ mutations

const UNKNOWN_KEYS = ['zz_unknown', 'isAdmin', 'debug', 'sqlFilter'];
const SNEAKY_KEYS = [PROTO, 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '', ...UNKNOWN_KEYS];

/** A random hostile change anywhere in the body (it may or may not make the body invalid). */
function extra(rng: Rng, body: Json): Json {
  const all = nodes(body);
  const op = int(rng, 12);
  if (op < 6 && all.length) {
    const p = pick(rng, all);
    parentOf(body, p)[p[p.length - 1]] = hostile(rng);
  } else if (op === 6 && all.length) {
    const p = pick(rng, all);
    const parent = parentOf(body, p);
    if (Array.isArray(parent)) parent.splice(p[p.length - 1] as number, 1);
    else delete parent[p[p.length - 1]];
  } else if (op <= 8) {
    const objects = [[], ...all].filter((p) => isObject(p.length ? parentOf(body, p)[p[p.length - 1]] : body));
    const p = pick(rng, objects);
    const target = p.length ? parentOf(body, p)[p[p.length - 1]] : body;
    target[pick(rng, SNEAKY_KEYS)] = hostile(rng);
  } else if (op === 9 && all.length) {
    const p = pick(rng, all);
    const parent = parentOf(body, p);
    parent[p[p.length - 1]] = [parent[p[p.length - 1]]];
  } else if (op === 10) {
    const arrays = all.filter((p) => Array.isArray(parentOf(body, p)[p[p.length - 1]]));
    if (arrays.length) {
      const p = pick(rng, arrays);
      const array = parentOf(body, p)[p[p.length - 1]];
      if (array.length) for (let i = 0, n = 1 + int(rng, 60); i < n; i++) array.push(JSON.parse(JSON.stringify(array[0])));
    }
  } else {
    const strings = all.filter((p) => typeof parentOf(body, p)[p[p.length - 1]] === 'string');
    if (strings.length) {
      const p = pick(rng, strings);
      const parent = parentOf(body, p);
      const s: string = parent[p[p.length - 1]];
      parent[p[p.length - 1]] = pick(rng, [
        `${s}\u0000`,
        ` ${s}`,
        `${s} `,
        `${s}'`,
        `${s}"`,
        s.toUpperCase(),
        `-${s}`,
        s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
        `${s}${s}`,
        s.slice(1),
      ]);
    }
  }
  return body;
}

/**
 * Makes the body invalid by the contract for sure: a field gets a value that its type, enum,
 * pattern or range cannot take (or, required, goes missing); or an unknown field appears.
 */
function poison(rng: Rng, body: Json, spec: Record<string, Spec>): string {
  if (!isObject(body)) return 'not an object';
  // Only where the field can be set: an array index in an array, a name in an object.
  const present = Object.entries(spec).filter(([dotted]) => {
    const p = keysOf(dotted);
    const parent = parentOf(body, p);
    return typeof p[p.length - 1] === 'number' ? Array.isArray(parent) : isObject(parent);
  });
  if (present.length && rng() < 0.85) {
    const [dotted, fieldSpec] = pick(rng, present);
    const p = keysOf(dotted);
    for (let i = 0; i < 50; i++) {
      const value = rng() < 0.15 ? undefined : hostile(rng);
      if (couldBeValid(fieldSpec, value)) continue;
      const parent = parentOf(body, p);
      if (value === undefined) {
        if (Array.isArray(parent)) parent[p[p.length - 1] as number] = null;
        else delete parent[p[p.length - 1]];
      } else parent[p[p.length - 1]] = value;
      return `${dotted} := ${value === undefined ? '(missing)' : toJson(value).slice(0, 60)}`;
    }
  }
  const key = pick(rng, UNKNOWN_KEYS);
  body[key] = 'x';
  return `unknown field ${key}`;
}

// ------------------------------------------------------------------ the routes

interface World {
  A: { taxId: string; token: string };
  C: { taxId: string; token: string };
  officer: string;
  /** A -> C, special; C confirmed its usage as deduction; a slip of A (02) holds all of it. */
  invoice: Json;
  /** A slip A filled in on `invoice`, 02: awaiting C. */
  pendingSlip: string;
  /** A slip in 01 (no confirmation needed). */
  readySlip: string;
  /** An application of A the officer rejected. */
  decidedApp: string;
  /** A delivery of `invoice` that was sent. */
  sentDelivery: string;
}

interface Target {
  path?: string;
  token?: string | null;
}
interface Route {
  name: string;
  method: 'post' | 'patch' | 'put';
  path: (w: World) => string;
  token: (w: World) => string | undefined;
  /** A valid body; absent: the route takes no body. */
  valid?: (w: World) => Json;
  spec?: Record<string, Spec>;
  /** Business-rule refusals of an otherwise valid body: a changed body, or another path or principal. */
  semantic?: ((w: World, body: Json) => { body?: Json; target?: Target; label: string })[];
  /** The object's state refuses the action whatever the body says. */
  alwaysRefused?: boolean;
  /** `{}` is a valid body (every field optional). */
  emptyValid?: boolean;
  /** Reads only: a valid body is answered 200 and changes nothing. */
  readOnly?: boolean;
  idempotent?: boolean;
  /** How a refusal looks: by default any status >= 400. */
  refused?: (res: Response) => boolean;
}

let counter = 0;
const unique = () => `${process.pid}${++counter}`;
/** C's tax id with a wrong check character. */
const wrongCheck = (taxId: string) => taxId.slice(0, 17) + (usccCheckCharacter(taxId.slice(0, 17)) === '0' ? '1' : '0');

const laptop = (): Json => ({ ...LAPTOP, taxAmount: '1300.00' });
const invoiceBody = (w: World): Json => apiExampleBody(w.C.taxId, { lines: [laptop()], remarks: '备注' });
const set = (body: Json, dotted: string, value: unknown) => {
  const p = keysOf(dotted);
  parentOf(body, p)[p[p.length - 1]] = value;
  return body;
};
const INVOICE_SEMANTIC: NonNullable<Route['semantic']> = [
  (w, b) => ({ body: set(b, 'buyer.taxId', wrongCheck(w.C.taxId)), label: 'buyer tax id with a wrong check character' }),
  (w, b) => ({ body: set(b, 'buyer.taxId', w.A.taxId), label: 'the buyer is the seller' }),
  (_, b) => ({ body: set(b, 'lines.0.taxAmount', '999.00'), label: 'tax amount off by 301.00 (TAX_MISMATCH)' }),
  (_, b) => ({ body: set(b, 'lines.0.quantity', '3'), label: 'quantity x unit price differs from the amount' }),
  (_, b) => ({ body: set(set(b, 'lines.0.quantity', '-2'), 'lines.0.amount', '-10000.00'), label: 'negative quantity and amount' }),
  (_, b) => ({
    body: { ...b, lines: [{ ...laptop(), quantity: undefined, unitPrice: undefined, taxAmount: undefined, amount: '9999999999999.99' }] },
    label: 'an amount far above the quota',
  }),
  (_, b) => ({ body: { ...b, buyer: { ...b.buyer, taxId: undefined } }, label: 'a special invoice without the buyer tax id' }),
  (_, b) => ({
    body: { ...b, medium: 'paper', lines: [{ ...laptop(), quantity: '30', amount: '150000.00', taxAmount: '19500.00' }] },
    label: 'a paper invoice above the single-invoice maximum',
  }),
  (_, b) => ({ body: { ...b, specificBusiness: { type: '03' } }, label: 'specific business 03 without its fields' }),
  (_, b) => ({ body: { ...b, specificBusiness: { type: '04', transports: deepArray(50) } }, label: 'specific business 04 with nested arrays' }),
  (_, b) => ({ body: { ...b, lines: new Array(2001).fill(0).map(() => laptop()) }, label: '2,001 lines' }),
  (_, b) => ({ body: { ...b, priceIncludesTax: true }, label: 'tax-inclusive amounts with the exclusive tax amount' }),
  (_, b) => ({ body: set(b, 'lines.0.taxRate', '0'), label: 'rate 0 with a tax amount' }),
];

const ROUTES: Route[] = [
  {
    name: 'POST /v1/taxpayers',
    method: 'post',
    path: () => '/v1/taxpayers',
    token: () => ADMIN_TOKEN,
    valid: () => taxpayerBody(makeTaxId('23')),
    spec: TAXPAYER_SPEC,
    semantic: [
      (_, b) => ({ body: { ...b, taxId: wrongCheck(b.taxId) }, label: 'tax id with a wrong check character' }),
      (w, b) => ({ body: { ...b, taxId: w.A.taxId }, label: 'a tax id already registered' }),
      (_, b) => ({ body: { ...b, pilot: false }, label: 'a counterparty with an initial quota' }),
      (_, b) => ({ body: { ...b, regionCode: '99' }, label: 'no such province' }),
    ],
  },
  {
    name: 'POST /v1/users',
    method: 'post',
    path: () => '/v1/users',
    token: () => ADMIN_TOKEN,
    valid: () => ({ username: `fuzz.${unique()}`, password: 'correct horse battery', role: 'auditor' }),
    spec: {
      username: req(matches(/^[A-Za-z0-9._@-]{3,64}$/)),
      password: req((v) => typeof v === 'string' && v.length >= 12),
      role: req(oneOf(...ROLES)),
      taxpayerId: opt(len(18)),
    },
    semantic: [
      (_, b) => ({ body: { ...b, role: 'taxpayer' }, label: 'a taxpayer user without its taxpayer' }),
      (_, b) => ({ body: { ...b, taxpayerId: makeTaxId('23') }, label: 'an unregistered taxpayer' }),
      (w, b) => ({ body: { ...b, role: 'tax_officer', taxpayerId: w.A.taxId }, label: 'a scoped tax officer' }),
      (_, b) => ({ body: { ...b, username: 'fuzz.existing' }, label: 'a username that exists' }),
      (_, b) => ({ body: { ...b, password: '密'.repeat(30) }, label: 'a password of 90 bytes (bcrypt reads 72)' }),
    ],
  },
  {
    name: 'POST /v1/api-keys',
    method: 'post',
    path: () => '/v1/api-keys',
    token: () => ADMIN_TOKEN,
    valid: () => ({ name: 'fuzz key', role: 'auditor' }),
    spec: { name: req(anyString), role: req(oneOf(...ROLES)), taxpayerId: opt(len(18)) },
    semantic: [
      (_, b) => ({ body: { ...b, role: 'taxpayer' }, label: 'a taxpayer key without its taxpayer' }),
      (_, b) => ({ body: { ...b, taxpayerId: makeTaxId('23') }, label: 'an unregistered taxpayer' }),
      (w, b) => ({ body: { ...b, role: 'admin', taxpayerId: w.A.taxId }, label: 'a scoped admin' }),
    ],
  },
  {
    // Nobody of that name: a failed sign-in of an existing user is recorded (lockout), which is a
    // state change by design.
    name: 'POST /v1/auth/sessions',
    method: 'post',
    path: () => '/v1/auth/sessions',
    token: () => undefined,
    valid: () => ({ username: 'nobody.here', password: 'not the password' }),
    alwaysRefused: true,
    spec: { username: req(anyString), password: req(anyString) },
  },
  {
    name: 'PATCH /v1/taxpayers/{A}',
    method: 'patch',
    path: (w) => `/v1/taxpayers/${w.A.taxId}`,
    token: (w) => w.officer,
    emptyValid: true,
    valid: () => ({ riskLevel: 'low', creditRating: 'A' }),
    spec: {
      riskLevel: opt(oneOf('low', 'medium', 'high')),
      creditRating: opt(oneOf('A', 'B', 'M', 'C', 'D')),
      filingFrequency: opt(oneOf('monthly', 'quarterly')),
      pilot: opt(bool),
      paperMaxAmountPerInvoice: opt(money(0n)),
    },
  },
  {
    name: 'POST /v1/taxpayers/{A}/quota/adjustments',
    method: 'post',
    path: (w) => `/v1/taxpayers/${w.A.taxId}/quota/adjustments`,
    token: (w) => w.officer,
    idempotent: true,
    valid: () => ({ period: '2023-07', kind: 'manual', newTotal: '7500000.00', reason: '核定' }),
    spec: { period: req(matches(PERIOD)), kind: req(oneOf('periodic', 'manual')), newTotal: req(money(0n)), reason: req(anyString) },
    semantic: [
      (_, b) => ({ body: { ...b, newTotal: '0.00' }, label: 'a total below what July has used' }),
      (_, b) => ({ body: { ...b, period: '2023-01' }, label: 'a month before registration' }),
      (_, b) => ({ body: b, target: { path: `/v1/taxpayers/${makeTaxId('23')}/quota/adjustments` }, label: 'an unregistered taxpayer' }),
    ],
  },
  {
    name: 'POST /v1/quota/periodic-runs',
    method: 'post',
    path: () => '/v1/quota/periodic-runs',
    token: (w) => w.officer,
    valid: () => ({ period: '2023-07' }),
    spec: { period: req(matches(PERIOD)) },
    semantic: [(_, b) => ({ body: { ...b, period: '2023-08' }, label: 'a month that has not started' })],
  },
  {
    name: 'POST /v1/taxpayers/{A}/quota/applications',
    method: 'post',
    path: (w) => `/v1/taxpayers/${w.A.taxId}/quota/applications`,
    token: (w) => w.A.token,
    idempotent: true,
    valid: () => ({ requestedTotal: '8000000.00', reason: '季度备货' }),
    spec: { requestedTotal: req(money(1n)), reason: req(anyString) },
    semantic: [(w, b) => ({ body: b, target: { path: `/v1/taxpayers/${w.C.taxId}/quota/applications` }, label: "another taxpayer's quota" })],
  },
  {
    name: 'POST /v1/quota/applications/{decided}/approve',
    method: 'post',
    path: (w) => `/v1/quota/applications/${w.decidedApp}/approve`,
    token: (w) => w.officer,
    valid: () => ({ reason: '同意' }),
    spec: { reason: opt(anyString) },
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/quota/applications/{decided}/reject',
    method: 'post',
    path: (w) => `/v1/quota/applications/${w.decidedApp}/reject`,
    token: (w) => w.officer,
    valid: () => ({ reason: '不予调整' }),
    spec: { reason: req(anyString) },
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/taxpayers/{A}/quota/objections',
    method: 'post',
    path: (w) => `/v1/taxpayers/${w.A.taxId}/quota/objections`,
    token: (w) => w.A.token,
    idempotent: true,
    valid: () => ({ reason: '额度偏低' }),
    spec: { reason: req(anyString) },
    semantic: [(w, b) => ({ body: b, target: { path: `/v1/taxpayers/${w.C.taxId}/quota/objections` }, label: "another taxpayer's quota" })],
  },
  {
    name: 'POST /v1/taxpayers/{A}/vat-filings',
    method: 'post',
    path: (w) => `/v1/taxpayers/${w.A.taxId}/vat-filings`,
    token: (w) => w.A.token,
    idempotent: true,
    valid: () => ({ period: '2023-05' }),
    spec: { period: req(matches(/^\d{4}-((0[1-9]|1[0-2])|Q[1-4])$/)) },
    semantic: [
      (_, b) => ({ body: { ...b, period: '2023-Q2' }, label: 'a quarter for a monthly filer' }),
      (_, b) => ({ body: { ...b, period: '2023-07' }, label: 'a month that has not ended' }),
      (_, b) => ({ body: { ...b, period: '2099-01' }, label: 'a month far ahead' }),
      (w, b) => ({ body: b, target: { path: `/v1/taxpayers/${w.C.taxId}/vat-filings` }, label: "another taxpayer's filing" }),
    ],
  },
  {
    name: 'POST /v1/taxpayers/{A}/paper-collections',
    method: 'post',
    path: (w) => `/v1/taxpayers/${w.A.taxId}/paper-collections`,
    token: (w) => w.A.token,
    idempotent: true,
    valid: () => ({ invoiceKind: 'paper_special', count: 1, maxAmountPerInvoice: '100.00' }),
    spec: { invoiceKind: req(oneOf('paper_special', 'paper_ordinary')), count: req(integer(1, 10000)), maxAmountPerInvoice: req(money(1n)) },
    semantic: [
      (_, b) => ({ body: { ...b, maxAmountPerInvoice: '100000.01' }, label: 'above the paper single-invoice maximum' }),
      (_, b) => ({ body: { ...b, count: 10000, maxAmountPerInvoice: '100000.00' }, label: 'more than the quota (QUOTA_EXCEEDED)' }),
      (w, b) => ({ body: b, target: { path: `/v1/taxpayers/${w.C.taxId}/paper-collections` }, label: "another taxpayer's quota" }),
    ],
  },
  {
    name: 'POST /v1/invoices',
    method: 'post',
    path: () => '/v1/invoices',
    token: (w) => w.A.token,
    idempotent: true,
    valid: invoiceBody,
    spec: INVOICE_SPEC,
    semantic: INVOICE_SEMANTIC,
  },
  {
    name: 'POST /v1/invoices/batch',
    method: 'post',
    path: () => '/v1/invoices/batch',
    token: (w) => w.A.token,
    idempotent: true,
    // Built by batchBody: every item is poisoned; each fails on its own, and the batch answers 200.
    valid: (w) => ({ invoices: [invoiceBody(w), invoiceBody(w)] }),
    refused: (res) =>
      res.status >= 400 || (res.status === 200 && Array.isArray(res.body?.results) && res.body.results.every((r: Json) => typeof r?.error?.code === 'string')),
  },
  {
    name: 'POST /v1/invoices/{invoice}/usage-confirmation (confirmed already)',
    method: 'post',
    path: (w) => `/v1/invoices/${w.invoice.number}/usage-confirmation`,
    token: (w) => w.C.token,
    valid: () => ({ purpose: 'no_deduction' }),
    spec: { purpose: req(oneOf('deduction', 'no_deduction', 'export_refund', 'agent_export_refund')) },
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/invoices/{invoice}/accounting-entry',
    method: 'post',
    path: (w) => `/v1/invoices/${w.invoice.number}/accounting-entry`,
    token: (w) => w.C.token,
    valid: () => ({ entered: true }),
    spec: { entered: req(bool) },
    semantic: [(w, b) => ({ body: b, target: { token: w.A.token }, label: 'by the seller' })],
  },
  {
    name: 'POST /v1/invoices/{electronic}/void',
    method: 'post',
    path: (w) => `/v1/invoices/${w.invoice.number}/void`,
    token: (w) => w.A.token,
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/invoices/{invoice}/deliveries',
    method: 'post',
    path: (w) => `/v1/invoices/${w.invoice.number}/deliveries`,
    token: (w) => w.A.token,
    idempotent: true,
    valid: () => ({ channel: 'email', to: 'ap@example.com' }),
    spec: { channel: req(oneOf('email')), to: req((v) => typeof v === 'string' && isEmail(v)) },
    semantic: [(w, b) => ({ body: b, target: { token: w.C.token }, label: 'by the buyer' })],
  },
  {
    name: 'POST /v1/deliveries/{sent}/retry',
    method: 'post',
    path: (w) => `/v1/deliveries/${w.sentDelivery}/retry`,
    token: (w) => w.A.token,
    alwaysRefused: true,
  },
  {
    // The blue invoice is held in full by a live slip: any further slip goes beyond it.
    name: 'POST /v1/red-confirmations (blue held in full)',
    method: 'post',
    path: () => '/v1/red-confirmations',
    token: (w) => w.A.token,
    idempotent: true,
    alwaysRefused: true,
    valid: (w) => ({
      blueInvoiceNumber: w.invoice.number,
      reason: '02',
      lines: [{ blueLineNo: 1, quantity: '-1', amount: '-5000.00', taxAmount: '-650.00' }],
      autoIssue: false,
    }),
    spec: SLIP_SPEC,
    semantic: [
      (_, b) => ({ body: { ...b, blueInvoiceNumber: '23222999999999999999' }, label: 'no such blue invoice' }),
      (_, b) => ({ body: { ...b, lines: [{ ...b.lines[0], blueLineNo: 2 }] }, label: 'a line the blue does not have' }),
      (_, b) => ({ body: { ...b, lines: [{ ...b.lines[0], quantity: '-3', amount: '-15000.00', taxAmount: '-1950.00' }] }, label: 'more than the blue' }),
      (_, b) => ({ body: { blueInvoiceNumber: b.blueInvoiceNumber, reason: '01', autoIssue: true }, label: 'a full red with auto-issue' }),
      (w, b) => ({ body: b, target: { token: w.C.token }, label: 'by the buyer' }),
    ],
  },
  {
    name: 'POST /v1/red-confirmations/{01}/confirm',
    method: 'post',
    path: (w) => `/v1/red-confirmations/${w.readySlip}/confirm`,
    token: (w) => w.C.token,
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/red-confirmations/{01}/reject',
    method: 'post',
    path: (w) => `/v1/red-confirmations/${w.readySlip}/reject`,
    token: (w) => w.C.token,
    alwaysRefused: true,
  },
  {
    name: "POST /v1/red-confirmations/{seller's 02}/revoke (by the buyer)",
    method: 'post',
    path: (w) => `/v1/red-confirmations/${w.pendingSlip}/revoke`,
    token: (w) => w.C.token,
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/red-confirmations/{02}/red-invoice',
    method: 'post',
    path: (w) => `/v1/red-confirmations/${w.pendingSlip}/red-invoice`,
    token: (w) => w.A.token,
    idempotent: true,
    alwaysRefused: true,
  },
  {
    name: 'POST /v1/verifications',
    method: 'post',
    path: () => '/v1/verifications',
    token: () => undefined,
    readOnly: true,
    valid: (w) => ({ number: w.invoice.number, issueDate: w.invoice.issuedAt.slice(0, 10), totalWithTax: w.invoice.totalWithTax }),
    spec: { number: req(anyString), issueDate: req(anyString), totalWithTax: req(money()) },
  },
  {
    name: 'PUT /v1/system/clock',
    method: 'put',
    path: () => '/v1/system/clock',
    token: () => ADMIN_TOKEN,
    valid: () => ({ now: T0 }),
    spec: { now: req(anyString) },
    semantic: [
      (_, b) => ({ body: { ...b, now: 'yesterday' }, label: 'not a time' }),
      (_, b) => ({ body: { ...b, now: '2023-07-20T09:00:00' }, label: 'a time without its offset' }),
      (_, b) => ({ body: { ...b, now: '2023-02-30T09:00:00+08:00' }, label: 'a day that does not exist' }),
    ],
  },
];

// ------------------------------------------------------------------ cases

interface Case {
  route: Route;
  label: string;
  path: string;
  token: string | undefined;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

function mutatedCase(rng: Rng, route: Route, w: World, large: boolean): Case {
  const base: Case = { route, label: '', path: route.path(w), token: route.token(w), contentType: 'application/json' };
  if (!route.valid) {
    const body = extra(rng, extra(rng, { purpose: 'deduction', reason: '测试', entered: true }));
    return { ...base, label: 'a body the route does not take', body: toJson(body) };
  }
  let body: Json = route.valid(w);
  const semantic = route.semantic ?? [];
  if (route.name === 'POST /v1/invoices/batch') {
    body = { invoices: [0, 1, 2].slice(0, 1 + int(rng, 3)).map(() => invoiceCase(rng, w)) };
    if (rng() < 0.3) extra(rng, body);
    return { ...base, label: 'each item poisoned', body: toJson(body) };
  }
  if (semantic.length && rng() < 0.15) {
    const s = pick(rng, semantic)(w, body);
    return { ...base, label: s.label, body: toJson(s.body ?? body), path: s.target?.path ?? base.path, token: s.target?.token ?? base.token };
  }
  for (let i = 0, n = int(rng, 4); i < n; i++) body = extra(rng, body);
  if (large) {
    const strings = nodes(body).filter((p) => typeof parentOf(body, p)[p[p.length - 1]] === 'string');
    if (strings.length) {
      const p = pick(rng, strings);
      parentOf(body, p)[p[p.length - 1]] = pick(rng, ['A'.repeat(1_000_000), '发'.repeat(1_000_000), "' OR 1=1 --".repeat(100_000)]);
    }
  }
  const label = route.alwaysRefused && rng() < 0.5 ? 'mutated' : poison(rng, body, route.spec ?? {});
  return { ...base, label: `${large ? '1 MB string; ' : ''}${label}`, body: toJson(body) };
}

/** Every field of the route, in turn, set to each of these (and an unknown field added, so that the body is refused whatever the value does). */
const SWEEP: (() => unknown)[] = [
  () => 'x\ud800',
  () => 'a\u0000b',
  () => RAW('1e309'),
  () => RAW('-0'),
  () => '-1',
  () => deepArray(200),
  () => ({ [PROTO]: { polluted: 'yes' } }),
  () => 'x'.repeat(70_000),
];
function sweepCases(route: Route, w: World): Case[] {
  if (!route.valid) return [];
  const batch = route.name === 'POST /v1/invoices/batch';
  const cases: Case[] = [];
  for (const dotted of Object.keys(batch ? INVOICE_SPEC : (route.spec ?? {}))) {
    for (const make of SWEEP) {
      const item: Json = batch ? invoiceBody(w) : route.valid(w);
      const p = keysOf(dotted);
      const parent = parentOf(item, p);
      if (!(typeof p[p.length - 1] === 'number' ? Array.isArray(parent) : isObject(parent))) continue;
      const value = make();
      parent[p[p.length - 1]] = value;
      item.zz_unknown = 'x';
      cases.push({
        route,
        label: `${batch ? 'invoices[0].' : ''}${dotted} := ${excerpt(toJson(value), 40)} (and an unknown field)`,
        path: route.path(w),
        token: route.token(w),
        contentType: 'application/json',
        body: toJson(batch ? { invoices: [item] } : item),
      });
    }
  }
  return cases;
}

/** One poisoned invoice (for batches). */
function invoiceCase(rng: Rng, w: World): Json {
  let body = invoiceBody(w);
  if (rng() < 0.3) return pick(rng, INVOICE_SEMANTIC)(w, body).body;
  for (let i = 0, n = int(rng, 3); i < n; i++) body = extra(rng, body);
  poison(rng, body, INVOICE_SPEC);
  return body;
}

/** Bodies that are not JSON objects, or not JSON, or not sent as JSON. */
function rawCases(route: Route, w: World): Case[] {
  const base = { route, path: route.path(w), token: route.token(w) };
  const validJson = route.valid ? JSON.stringify(route.valid(w)) : '{}';
  const json = (label: string, body: string | Buffer): Case => ({ ...base, label, body, contentType: 'application/json' });
  const cases: Case[] = [
    json('truncated JSON', '{'),
    json('truncated member', '{"a":'),
    json('an unclosed array', '['),
    json('a bare word', 'nul'),
    json('NaN', 'NaN'),
    json('NaN as a value', '{"a":NaN}'),
    json('a trailing comma', '{"a":1,}'),
    json('single quotes', "{'a':1}"),
    json('a raw NUL in a string', '{"a":"\u0000"}'),
    json('a JSON string', '"string"'),
    json('a JSON number', '123'),
    json('true', 'true'),
    json('null', 'null'),
    json('an array', '[]'),
    json('an array of an object', '[{}]'),
    json('an array of the valid body', `[${validJson}]`),
    json('invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])),
    json('200 nested arrays', deepRawArray(200)),
    json('200 nested objects', deepRawObject(200)),
    json('an infinite number in an unknown field', '{"zz_unknown":1e309}'),
    { ...base, label: 'text/plain', body: validJson, contentType: 'text/plain' },
    { ...base, label: 'a form', body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
    {
      ...base,
      label: 'multipart',
      body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      contentType: 'multipart/form-data; boundary=x',
    },
    { ...base, label: 'XML with an external entity', body: XXE, contentType: 'application/xml' },
    { ...base, label: 'charset latin1', body: validJson, contentType: 'application/json; charset=latin1' },
    { ...base, label: 'an unknown content encoding', body: validJson, contentType: 'application/json', headers: { 'Content-Encoding': 'x-unknown' } },
    { ...base, label: 'no content type', body: Buffer.from(validJson) },
  ];
  if (!route.emptyValid) {
    // These parse to an empty object (or one without the fields sent): valid where every field is optional.
    cases.push(
      json('an empty body', ''),
      json('an empty object', '{}'),
      json('a byte order mark', '\ufeff{}'),
      json('__proto__ only', '{"__proto__":{"polluted":"yes"}}'),
      json('constructor.prototype only', '{"constructor":{"prototype":{"polluted":"yes"}}}'),
    );
  }
  if (route.idempotent && route.valid) {
    cases.push({
      ...base,
      label: 'a 256-character Idempotency-Key',
      body: validJson,
      contentType: 'application/json',
      headers: { 'Idempotency-Key': 'k'.repeat(256) },
    });
  }
  return cases;
}

// ------------------------------------------------------------------ sending and judging

async function runPool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const excerpt = (v: unknown, n = 200) => {
  const s = Buffer.isBuffer(v) ? `<${v.length} bytes>` : typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s;
};

describe('fuzz: hostile bodies to every POST route (issue 6)', () => {
  let t: TestApp;
  let w: World;
  const outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'einv-fuzz-outbox-'));

  function send(c: Case): Promise<Response> {
    const agent = request(t.app.getHttpServer());
    let req = c.route.method === 'post' ? agent.post(c.path) : c.route.method === 'put' ? agent.put(c.path) : agent.patch(c.path);
    if (c.token) req = req.set('Authorization', `Bearer ${c.token}`);
    if (c.contentType) req = req.set('Content-Type', c.contentType);
    for (const [k, v] of Object.entries(c.headers ?? {})) req = req.set(k, v);
    return c.body === undefined ? req : req.send(c.body as string);
  }

  /** Why the response is wrong, or null. */
  function judge(c: Case, res: Response, mustRefuse: boolean): string | null {
    if (res.status >= 500) return `${res.status} ${excerpt(res.text, 300)}`;
    if (res.status >= 400) {
      if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) return `${res.status} without problem+json: ${res.headers['content-type']}`;
      if (typeof res.body?.code !== 'string' || res.body.status !== res.status) return `${res.status} problem without code/status: ${excerpt(res.text)}`;
      if (/\bat .*\.(ts|js):\d+/.test(res.text)) return `${res.status} with a stack trace`;
    }
    if (mustRefuse && !c.route.readOnly && !(c.route.refused ?? ((r: Response) => r.status >= 400))(res)) return `accepted: ${res.status} ${excerpt(res.text)}`;
    return null;
  }

  async function fire(cases: Case[], mustRefuse = true): Promise<string[]> {
    const failures: string[] = [];
    await runPool(cases, CONCURRENCY, async (c) => {
      let res: Response;
      try {
        res = await send(c);
      } catch (error) {
        failures.push(`${c.route.name} [${c.label}] transport error ${(error as Error).message} — body ${excerpt(c.body)}`);
        return;
      }
      const wrong = judge(c, res, mustRefuse);
      if (wrong) failures.push(`${c.route.name} ${c.path !== c.route.path(w) ? `(${c.path}) ` : ''}[${c.label}] ${wrong} — body ${excerpt(c.body)}`);
    });
    return failures;
  }

  // ---------------------------------------------------------------- state

  async function tableNames(): Promise<string[]> {
    const sqlite = t.dataSource.options.type !== 'mysql' && t.dataSource.options.type !== 'mariadb';
    const rows: Json[] = sqlite
      ? await t.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      : await t.dataSource.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()');
    return rows.map((r) => String(r.name ?? r.NAME ?? r.TABLE_NAME)).sort();
  }

  const canonical = (v: unknown): unknown =>
    typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? v.toString('hex') : v;

  /** Row count and a digest of the content of every table. */
  async function snapshot(): Promise<Record<string, { rows: number; digest: string }>> {
    // The audit chain is sealed in the background: seal now, so that it does not move meanwhile.
    await t.app.get(AuditChainService).seal();
    // The webhook dispatcher fans the outbox out in the background too (and drops events nobody
    // subscribed to): let it finish, so that the outbox does not move meanwhile either.
    for (let i = 0; i < 100; i++) {
      await t.app.get(WebhookDispatcher).tick();
      if ((await t.dataSource.manager.count(OutboxEventEntity, { where: { dispatched: false } })) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const out: Record<string, { rows: number; digest: string }> = {};
    const q = t.dataSource.options.type === 'mysql' || t.dataSource.options.type === 'mariadb' ? '`' : '"';
    for (const name of await tableNames()) {
      const rows: Json[] = await t.dataSource.query(`SELECT * FROM ${q}${name}${q}`);
      // number_sequences: a refused issue or slip may take a number from the block this process
      // reserved (SPEC 3 allows gaps); the numbers already handed out never come back. Count only.
      const lines =
        name === 'number_sequences'
          ? []
          : rows
              .map((r) =>
                JSON.stringify(
                  Object.keys(r)
                    .sort()
                    .map((k) => [k, canonical(r[k])]),
                ),
              )
              .sort();
      out[name] = { rows: rows.length, digest: createHash('sha256').update(lines.join('\n')).digest('hex') };
    }
    return out;
  }

  /** Runs a test's hostile requests and its checks of their answers; then no table may have changed. */
  async function expectNoStateChange(hostile: () => Promise<void>): Promise<void> {
    const start = await snapshot();
    await hostile();
    expect(await snapshot()).toEqual(start);
  }

  beforeAll(async () => {
    t = await startApp({
      VERIFY_RATE_LIMIT: '1000000',
      ANON_RATE_LIMIT_PER_MINUTE: '1000000',
      LOGIN_RATE_LIMIT: '100000',
      RATE_LIMIT_PER_MINUTE: '1000000',
      OUTBOX_DIR: outbox,
    });
    await setClock(t, T0);
    const ok = async (res: Promise<Response> | Response, status: number) => {
      const r = await res;
      if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status} ${r.text}`);
      return r.body;
    };
    const officer = await apiKey(t, 'tax_officer');
    const A = await registerTaxpayer(t, {}, '22');
    const C = await registerTaxpayer(t, {}, '41');
    const partial: Partial<World> = { A, C, officer };
    const invoice = await ok(
      t
        .http(A.token)
        .post('/v1/invoices')
        .send(invoiceBody(partial as World)),
      201,
    );
    await ok(t.http(C.token).post(`/v1/invoices/${invoice.number}/usage-confirmation`).send({ purpose: 'deduction' }), 200);
    const pending = await ok(t.http(A.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: invoice.number, reason: '01' }), 201);
    expect(pending.status).toBe('02');
    const other = await ok(
      t
        .http(A.token)
        .post('/v1/invoices')
        .send(invoiceBody(partial as World)),
      201,
    );
    const ready = await ok(t.http(A.token).post('/v1/red-confirmations').send({ blueInvoiceNumber: other.number, reason: '01' }), 201);
    expect(ready.status).toBe('01');
    const app = await ok(t.http(A.token).post(`/v1/taxpayers/${A.taxId}/quota/applications`).send({ requestedTotal: '8000000.00', reason: '季度备货' }), 201);
    await ok(t.http(officer).post(`/v1/quota/applications/${app.id}/reject`).send({ reason: '不予调整' }), 200);
    const delivery = await ok(t.http(A.token).post(`/v1/invoices/${invoice.number}/deliveries`).send({ channel: 'email', to: 'ap@example.com' }), 201);
    expect(delivery.status).toBe('sent');
    await ok(t.http(A.token).post(`/v1/taxpayers/${A.taxId}/vat-filings`).send({ period: '2023-06' }), 201);
    await ok(t.http(ADMIN_TOKEN).post('/v1/users').send({ username: 'fuzz.existing', password: 'correct horse battery', role: 'auditor' }), 201);
    // The months, number blocks and sequences the hostile phase could reach exist already.
    for (const p of [A, C]) await ok(t.http(ADMIN_TOKEN).get(`/v1/taxpayers/${p.taxId}/quota`), 200);
    w = { ...(partial as World), invoice, pendingSlip: pending.id, readySlip: ready.id, decidedApp: app.id, sentDelivery: delivery.id };
  });

  afterAll(async () => {
    await t?.close();
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- phase A: refused, never 5xx

  describe('phase A: bodies that must be refused', () => {
    /** A route's hostile requests: the field sweep, the seeded mutations and the raw bodies. */
    const hostileCases = (route: Route): Case[] => {
      const rng = mulberry32(seedOf(route.name));
      const n = route.valid ? MUTATIONS : BODYLESS_MUTATIONS;
      const mutated = Array.from({ length: n }, (_, i) => mutatedCase(rng, route, w, route.valid !== undefined && i === 0));
      return [...sweepCases(route, w), ...mutated, ...rawCases(route, w)];
    };

    for (const route of ROUTES) {
      it(`${route.name}: every hostile body is refused with a problem, never a 5xx`, async () => {
        await expectNoStateChange(async () => expect(await fire(hostileCases(route))).toEqual([]));
      });
    }

    it('the routes get thousands of hostile bodies between them (issue 6)', () => {
      const total = ROUTES.reduce((sum, route) => sum + hostileCases(route).length, 0);
      expect(total).toBeGreaterThan(2000);
    });

    it('hostile path parameters and query strings are refused with a problem, never a 5xx', async () => {
      const values = [
        "' OR 1=1 --",
        '1 OR 1=1',
        '../../etc/passwd',
        '\u0000',
        '😀',
        'A'.repeat(3000),
        "23222000000000000001'",
        '-1',
        '0',
        '1e309',
        'NaN',
        '%',
        '__proto__',
        'constructor',
        '00000000-0000-0000-0000-000000000000',
      ];
      const get = (p: string, token: string | undefined): Case => ({
        route: { name: `GET ${p}`, method: 'post', path: () => p, token: () => token },
        label: p.slice(0, 80),
        path: p,
        token,
      });
      const cases: Case[] = [];
      for (const raw of values) {
        const v = encodeURIComponent(raw);
        for (const p of [
          `/v1/taxpayers/${v}`,
          `/v1/taxpayers/${v}/quota`,
          `/v1/taxpayers/${w.A.taxId}/quota/${v}`,
          `/v1/taxpayers/${w.A.taxId}/quota/${v}/ledger`,
          `/v1/invoices/${v}`,
          `/v1/invoices/${v}/xml`,
          `/v1/invoices/${v}/pdf`,
          `/v1/invoices/${v}/ofd`,
          `/v1/invoices/${v}/deliveries`,
          `/v1/red-confirmations/${v}`,
        ]) {
          cases.push(get(p, ADMIN_TOKEN));
        }
        const post = (name: string, p: string, token: string, body: Json): Case => ({
          route: { name, method: 'post', path: () => p, token: () => token },
          label: raw.slice(0, 40),
          path: p,
          token,
          body: JSON.stringify(body),
          contentType: 'application/json',
        });
        cases.push(
          post('approve', `/v1/quota/applications/${v}/approve`, w.officer, { reason: 'x' }),
          post('void', `/v1/invoices/${v}/void`, w.A.token, {}),
          post('usage', `/v1/invoices/${v}/usage-confirmation`, w.C.token, { purpose: 'deduction' }),
          post('accounting', `/v1/invoices/${v}/accounting-entry`, w.C.token, { entered: true }),
          post('deliver', `/v1/invoices/${v}/deliveries`, w.A.token, { channel: 'email', to: 'ap@example.com' }),
          post('retry', `/v1/deliveries/${v}/retry`, w.A.token, {}),
          post('confirm', `/v1/red-confirmations/${v}/confirm`, w.C.token, {}),
          post('red-invoice', `/v1/red-confirmations/${v}/red-invoice`, w.A.token, {}),
          post('objection', `/v1/taxpayers/${v}/quota/objections`, w.A.token, { reason: 'x' }),
          post('filing', `/v1/taxpayers/${v}/vat-filings`, w.officer, { period: '2023-06' }),
          {
            ...post('patch', `/v1/taxpayers/${v}`, w.officer, { riskLevel: 'low' }),
            route: { name: 'patch', method: 'patch', path: () => `/v1/taxpayers/${v}`, token: () => w.officer },
          },
        );
      }
      const queries = [
        'limit=-1',
        'limit=0',
        'limit=501',
        'limit=1e309',
        'limit=NaN',
        'limit=%00',
        'limit[]=1',
        'limit[a]=1',
        'cursor=garbage',
        'cursor=%00',
        `cursor=${Buffer.from('[1e309,"x"]').toString('base64url')}`,
        `cursor=${Buffer.from('{"__proto__":{"polluted":1}}').toString('base64url')}`,
        `cursor=${Buffer.from(deepRawArray(5000)).toString('base64url')}`,
        'from=%27%20OR%201%3D1%20--',
        'from=9999-99-99',
        'to=2023-02-30',
        'direction=sideways',
        'direction[]=issued',
        'status=%00',
        `taxId=${encodeURIComponent("' OR 1=1 -- AAAAAA")}`,
        '__proto__[polluted]=yes',
        'constructor[prototype][polluted]=yes',
        'format=exe',
        'color[$ne]=blue',
        'type=special&type=ordinary',
        'after=1 OR 1=1',
      ];
      for (const list of [
        '/v1/invoices',
        '/v1/red-confirmations',
        '/v1/quota/applications',
        '/v1/taxpayers',
        '/v1/audit-events',
        '/v1/exports/invoices',
        `/v1/taxpayers/${w.A.taxId}/quota/objections`,
        `/v1/taxpayers/${w.A.taxId}/quota/2023-07/ledger`,
      ]) {
        for (const q of queries) cases.push(get(`${list}?${q}`, ADMIN_TOKEN));
      }
      const failures: string[] = [];
      await expectNoStateChange(async () => {
        await runPool(cases, CONCURRENCY, async (c) => {
          const agent = request(t.app.getHttpServer());
          const method = c.body === undefined ? 'get' : c.route.method;
          let req = method === 'get' ? agent.get(c.path) : method === 'patch' ? agent.patch(c.path) : agent.post(c.path);
          if (c.token) req = req.set('Authorization', `Bearer ${c.token}`);
          if (c.contentType) req = req.set('Content-Type', c.contentType);
          const res = await (c.body === undefined ? req : req.send(c.body));
          // A list may well answer 200 to a strange but harmless query; a write must be refused.
          const wrong = judge(c, res, c.body !== undefined);
          if (wrong) failures.push(`${method.toUpperCase()} ${excerpt(c.path, 120)} ${wrong}`);
        });
        expect(failures).toEqual([]);
      });
    });

    it('the clock still shows T0 and the blue invoice still verifies', async () => {
      const clock = await t.http(ADMIN_TOKEN).get('/v1/system/clock');
      expect(clock.body.now).toBe(T0);
      const v = await request(t.app.getHttpServer())
        .post('/v1/verifications')
        .send(ROUTES.find((r) => r.readOnly)!.valid!(w));
      expect(v.body).toEqual({ match: true, color: 'blue', status: 'issued' });
    });

    it('Object.prototype is not polluted', () => {
      expect(({} as Json).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    });
  });

  // ---------------------------------------------------------------- beyond the contract's limits: still never a 5xx

  describe('malformed beyond the usual: still a 4xx problem, never a 5xx', () => {
    // The body limit is 10 MB: 10,000 nested arrays are 20 KB of JSON.
    it('bodies nested 2,500 and 10,000 levels deep (well within the 10 MB limit) are refused with 400', async () => {
      const cases: Case[] = [];
      for (const route of ROUTES.filter((r) => r.valid && !r.readOnly))
        for (const levels of [2_500, 10_000]) {
          const valid = JSON.stringify(route.valid!(w));
          const base = { route, path: route.path(w), token: route.token(w), contentType: 'application/json' };
          cases.push(
            { ...base, label: `${levels} nested arrays as the body`, body: deepRawArray(levels) },
            { ...base, label: `${levels} nested objects in an unknown field`, body: valid.replace(/^\{/, `{"zz_unknown":${deepRawObject(levels)},`) },
            { ...base, label: `${levels} nested arrays in an unknown field`, body: valid.replace(/^\{/, `{"zz_unknown":${deepRawArray(levels)},`) },
          );
        }
      await expectNoStateChange(async () => expect(await fire(cases)).toEqual([]));
    });

    it('a body that does not decode as its Content-Encoding (gzip, deflate, br) says is refused with 400', async () => {
      const cases: Case[] = ['gzip', 'deflate', 'br'].flatMap((encoding) =>
        ROUTES.filter((r) => r.valid).map((route) => ({
          route,
          label: `Content-Encoding: ${encoding}`,
          path: route.path(w),
          token: route.token(w),
          contentType: 'application/json',
          headers: { 'Content-Encoding': encoding },
          body: JSON.stringify(route.valid!(w)),
        })),
      );
      await expectNoStateChange(async () => expect(await fire(cases)).toEqual([]));
    });

    it('a path with a malformed percent-encoding is refused with 400 or 404', async () => {
      await expectNoStateChange(async () => {
        const failures: string[] = [];
        for (const p of ['/v1/invoices/%E0%A4%A', '/v1/taxpayers/%', '/v1/red-confirmations/%zz', '/v1/taxpayers/%C0%AF/quota']) {
          const res = await t.http(ADMIN_TOKEN).get(p);
          const wrong = judge({ route: ROUTES[0], label: p, path: p, token: ADMIN_TOKEN }, res, true);
          if (wrong) failures.push(`GET ${p} ${wrong}`);
        }
        expect(failures).toEqual([]);
      });
    });

    it('a body above the 10 MB limit is refused with 413', async () => {
      await expectNoStateChange(async () => {
        const res = await t
          .http(w.A.token)
          .post('/v1/invoices')
          .set('Content-Type', 'application/json')
          .send(`{"remarks":"${'x'.repeat(11 * 1024 * 1024)}"}`);
        expect(res.status).toBe(413);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
      });
    });
  });

  // ---------------------------------------------------------------- phase B: hostile text that is valid input

  describe('phase B: hostile text that is valid input is kept exactly as sent (or refused with 400)', () => {
    const TEXTS: [string, string][] = [
      ['SQL quote', "' OR 1=1 --"],
      ['SQL statement', "'); DROP TABLE invoices; --"],
      ['SQL wildcards and backslash', '100%_\\\\ \\\' \\"'],
      ['XML declaration and CDATA end', '<?xml version="1.0"?>]]><![CDATA[x]]>'],
      ['XML entities and an external entity', '&lt;&amp;&#0;&e; <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'],
      ['HTML', '<script>alert(1)</script><img src=x onerror=alert(1)>'],
      ['RTL and zero-width marks', '\u202e\u200f左右\u200b\u200d\ufeff'],
      ['emoji and a ZWJ family', '😀👨‍👩‍👧‍👦🇨🇳'],
      ['combining marks', 'e\u0301\u0301\u0301\u0301'],
      ['CJK beyond the BMP', '𠀀𪚥𰻞'],
      ['a NUL', 'a\u0000b'],
      ['C0 controls', '\u0001\u0007\u001b[31m\u001f'],
      ['template syntax', '${7*7}{{7*7}}%s%n'],
      ['a formula', '=HYPERLINK("http://x")'],
      ['long Chinese text', '长'.repeat(200)],
    ];
    const cut = (s: string, n: number) => Array.from(s).slice(0, n).join('');

    /** Sends `text` in every free-text field it can go in; what went wrong. */
    async function roundTrip(text: string): Promise<string[]> {
      const failures: string[] = [];
      const note = (what: string, res: Response) => {
        if (res.status >= 500) failures.push(`${what}: ${res.status} ${excerpt(res.text)}`);
        return res;
      };
      const body = invoiceBody(w);
      body.buyer.name = cut(text, 200);
      body.buyer.address = cut(text, 300);
      body.remarks = cut(text, 500);
      body.drawer = cut(text, 50);
      body.lines[0].name = cut(text, 100);
      body.lines[0].spec = cut(text, 100);
      body.lines[0].unit = cut(text, 20);
      const issued = note('issue', await t.http(w.A.token).post('/v1/invoices').send(body));
      if (issued.status === 201) {
        const read = await t.http(w.A.token).get(`/v1/invoices/${issued.body.number}`);
        const sentFields = {
          buyerName: body.buyer.name,
          address: body.buyer.address,
          remarks: body.remarks,
          drawer: body.drawer,
          spec: body.lines[0].spec,
          unit: body.lines[0].unit,
        };
        const keptFields = {
          buyerName: read.body.buyer?.name,
          address: read.body.buyer?.address,
          remarks: read.body.remarks,
          drawer: read.body.drawer,
          spec: read.body.lines?.[0]?.spec,
          unit: read.body.lines?.[0]?.unit,
        };
        if (JSON.stringify(keptFields) !== JSON.stringify(sentFields))
          failures.push(`invoice ${issued.body.number} accepted (201) but reads back ${JSON.stringify(keptFields)} for ${JSON.stringify(sentFields)}`);
        if (!String(read.body.lines?.[0]?.name ?? '').endsWith(body.lines[0].name))
          failures.push(`line name reads back ${JSON.stringify(read.body.lines?.[0]?.name)}`);
        for (const format of ['xml', 'pdf', 'ofd']) {
          const rendered = await t.http(w.A.token).get(`/v1/invoices/${issued.body.number}/${format}`);
          if (rendered.status !== 200) failures.push(`${format}: ${rendered.status} ${excerpt(rendered.text)}`);
        }
      } else if (issued.status !== 400) failures.push(`issue: ${issued.status} ${excerpt(issued.text)}`);

      const objection = note(
        'objection',
        await t
          .http(w.A.token)
          .post(`/v1/taxpayers/${w.A.taxId}/quota/objections`)
          .send({ reason: cut(text, 500) }),
      );
      if (objection.status === 201) {
        const list = await t.http(w.A.token).get(`/v1/taxpayers/${w.A.taxId}/quota/objections?limit=500`);
        const kept = list.body.items.find((o: Json) => o.id === objection.body.id);
        if (kept?.reason !== cut(text, 500)) failures.push(`objection accepted but reads back ${JSON.stringify(kept?.reason)}`);
      } else if (objection.status !== 400) failures.push(`objection: ${objection.status} ${excerpt(objection.text)}`);

      const application = note(
        'application',
        await t
          .http(w.A.token)
          .post(`/v1/taxpayers/${w.A.taxId}/quota/applications`)
          .send({ requestedTotal: '8000000.00', reason: cut(text, 500) }),
      );
      if (application.status === 201) {
        const list = await t.http(w.A.token).get('/v1/quota/applications?limit=500');
        const kept = list.body.items.find((a: Json) => a.id === application.body.id);
        if (kept?.reason !== cut(text, 500)) failures.push(`application accepted but reads back ${JSON.stringify(kept?.reason)}`);
      } else if (application.status !== 400) failures.push(`application: ${application.status} ${excerpt(application.text)}`);

      const taxId = makeTaxId('23');
      const registered = note(
        'taxpayer',
        await t
          .http(ADMIN_TOKEN)
          .post('/v1/taxpayers')
          .send(taxpayerBody(taxId, { name: cut(text, 200), address: cut(text, 300) })),
      );
      if (registered.status === 201) {
        const read = await t.http(ADMIN_TOKEN).get(`/v1/taxpayers/${taxId}`);
        if (read.body.name !== cut(text, 200) || read.body.address !== cut(text, 300))
          failures.push(`taxpayer accepted but reads back ${JSON.stringify([read.body.name, read.body.address])}`);
      } else if (registered.status !== 400) failures.push(`taxpayer: ${registered.status} ${excerpt(registered.text)}`);

      return failures;
    }

    it.each(TEXTS)('%s: in an invoice (buyer, items, remarks), an objection, an application and a taxpayer', async (_name, text) => {
      expect(await roundTrip(text)).toEqual([]);
    });

    // Not Unicode scalar values: JSON can carry them (\ud800) but UTF-8 cannot store them. Refuse
    // them (400), or keep them; never accept them and store something else.
    it('text with unpaired surrogates (high alone, low alone, in the wrong order) is refused with 400 or kept exactly as sent', async () => {
      const failures: string[] = [];
      for (const text of ['x\ud800y', 'x\udfffy', '\udc00\ud800']) failures.push(...(await roundTrip(text)).map((f) => `${JSON.stringify(text)}: ${f}`));
      expect(failures).toEqual([]);
    });

    // Found by the fuzzer: the same body sent several times at once. API.md lists 409 for conflicts;
    // never a 500 for a request a client may well retry.
    it('the same taxpayer registered 8 times at once (5 rounds): one 201, the others 409 ALREADY_EXISTS, never a 500', async () => {
      const rounds: Json[] = [];
      for (let round = 0; round < 5; round++) {
        const body = taxpayerBody(makeTaxId('23'));
        const responses = await Promise.all(Array.from({ length: 8 }, () => t.http(ADMIN_TOKEN).post('/v1/taxpayers').send(body)));
        rounds.push({ statuses: responses.map((r) => r.status).sort(), codes: responses.filter((r) => r.status !== 201).map((r) => r.body.code) });
      }
      const expected = { statuses: [201, 409, 409, 409, 409, 409, 409, 409], codes: new Array(7).fill('ALREADY_EXISTS') };
      expect(rounds).toEqual(new Array(5).fill(expected));
    });

    it('prototype-pollution keys anywhere in otherwise valid bodies never pollute, never 5xx', async () => {
      const cases: Case[] = [];
      const payloads = [
        '"__proto__":{"polluted":"yes"}',
        '"constructor":{"prototype":{"polluted":"yes"}}',
        '"prototype":{"polluted":"yes"}',
        '"__proto__":{"toString":"x","valueOf":1}',
      ];
      for (const route of ROUTES.filter((r) => r.valid)) {
        const base = { route, path: route.path(w), token: route.token(w), contentType: 'application/json' };
        // A fresh valid body for each case (a new tax id, a new username): the cases run concurrently.
        const fresh = () => (route.name === 'POST /v1/invoices/batch' ? JSON.stringify({ invoices: [invoiceBody(w)] }) : JSON.stringify(route.valid!(w)));
        for (const payload of payloads) {
          cases.push({ ...base, label: `top level ${payload}`, body: fresh().replace(/^\{/, `{${payload},`) });
          // Into every nested object (the buyer, the lines, the batch's items).
          cases.push({ ...base, label: `nested ${payload}`, body: fresh().replace(/(:\[?)\{(?=")/g, `$1{${payload},`) });
        }
      }
      const failures = await fire(cases, false);
      expect(failures).toEqual([]);
      expect(({} as Json).polluted).toBeUndefined();
      expect(({} as Json).toString).toBe(Object.prototype.toString);
      // Nothing the service stored or answers carries the key's content.
      const invoices = await t.http(ADMIN_TOKEN).get('/v1/invoices?limit=500');
      expect(invoices.text).not.toContain('polluted');
    });
  });
});
