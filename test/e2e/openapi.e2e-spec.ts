import request from 'supertest';
import { makeTaxId } from '../support/tax-ids';
import { registerTaxpayer, startApp, TestApp } from '../support/test-app';

// Issue 12, "How it is built": the OpenAPI document is complete enough to generate the console's client.
type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  const operations = () =>
    Object.entries(doc.paths as Json).flatMap(([path, ops]) =>
      Object.entries(ops as Json)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op: op as Json })),
    );
  const resolve = (schema: Json): Json => (schema?.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema);

  beforeAll(async () => {
    t = await startApp();
    doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  it('gives every operation a success response with a schema (204: no body) and problem responses', () => {
    const lacking2xx: string[] = [];
    const lackingProblem: string[] = [];
    for (const { route, op } of operations()) {
      const ok = Object.entries(op.responses as Json).filter(([status]) => /^2\d\d$/.test(status));
      const described = ok.some(
        ([status, res]) => status === '204' || Object.values((res as Json).content ?? {}).some((c) => resolve((c as Json).schema) !== undefined),
      );
      if (!described) lacking2xx.push(route);
      const problems = Object.entries(op.responses as Json).filter(
        ([status, res]) => /^[45]\d\d$/.test(status) && (res as Json).content?.['application/problem+json']?.schema?.$ref === '#/components/schemas/ProblemDto',
      );
      if (problems.length === 0) lackingProblem.push(route);
    }
    expect(operations().length).toBeGreaterThan(55);
    expect(lacking2xx).toEqual([]);
    expect(lackingProblem).toEqual([]);
  });

  it('refers only to schemas it defines', () => {
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? [];
    const missing = [...new Set(refs)].filter((ref) => !doc.components.schemas[ref.split('/').pop()!]);
    expect(missing).toEqual([]);
  });

  it('has stable, unique operation ids', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['issueInvoice', 'previewInvoice', 'signIn', 'getMe', 'createFirstAdmin', 'searchCounterparties', 'parseBatchSheet']),
    );
  });

  it('describes the problem schema and the three ways to authenticate; the bearer token is not called a JWT', () => {
    expect(Object.keys(doc.components.schemas.ProblemDto.properties).sort()).toEqual([
      'available',
      'code',
      'detail',
      'errors',
      'retryAfter',
      'status',
      'title',
      'type',
    ]);
    const code = doc.components.schemas.ProblemDto.properties.code;
    expect((code.enum ? code : resolve(code.$ref ? code : code.allOf[0])).enum).toEqual(
      expect.arrayContaining(['VALIDATION_FAILED', 'QUOTA_EXCEEDED', 'CSRF_FAILED', 'TAX_MISMATCH']),
    );
    const schemes = doc.components.securitySchemes;
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.bearer.bearerFormat).toBeUndefined();
    expect(schemes.cookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'einvoice_session' });
    expect(schemes.csrf).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    const issue = doc.paths['/v1/invoices'].post;
    expect(issue.security).toEqual(expect.arrayContaining([{ bearer: [] }, { cookie: [], csrf: [] }]));
    expect(doc.paths['/v1/auth/sessions'].post.security ?? []).toEqual([]);
  });

  it("Swagger's example bodies for issuing, previewing and the batch work", async () => {
    const seller = await registerTaxpayer(t);
    const example = (path: string) => Object.values(doc.paths[path].post.requestBody.content['application/json'].examples as Json)[0].value;
    const body = example('/v1/invoices');
    expect(body.buyer.taxId).not.toBe(seller.taxId);
    const issued = await t.http(seller.token).post('/v1/invoices').send(body);
    expect(issued.status).toBe(201);
    expect(issued.body.number).toMatch(/^\d{20}$/);
    await t.http(seller.token).post('/v1/invoices/preview').send(example('/v1/invoices/preview')).expect(200);
    const batch = await t.http(seller.token).post('/v1/invoices/batch').send(example('/v1/invoices/batch')).expect(200);
    expect(batch.body.results.every((r: Json) => typeof r.number === 'string')).toBe(true);
    expect(makeTaxId('41')).not.toBe(body.buyer.taxId);
  });
});
