import { makeTaxId } from '../support/tax-ids';
import { ADMIN_TOKEN, apiKey, registerTaxpayer, startApp, taxpayerBody, TestApp } from '../support/test-app';

// API.md "Taxpayers"; SPEC section 1; issue 2 items 5 and 7.
describe('taxpayers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('registers a pilot taxpayer and answers money as two-decimal strings', async () => {
    const taxId = makeTaxId('44');
    const res = await t
      .http(ADMIN_TOKEN)
      .post('/v1/taxpayers')
      .send(taxpayerBody(taxId, { name: '广东某某有限公司', regionCode: '44' }))
      .expect(201);
    expect(res.body).toMatchObject({
      taxId,
      name: '广东某某有限公司',
      regionCode: '44',
      regionName: '广东省',
      pilot: true,
      initialQuota: '7500000.00',
      paperMaxAmountPerInvoice: '100000.00',
      riskLevel: 'low',
      creditRating: 'A',
    });
    expect(res.body.registeredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    const read = await t.http(ADMIN_TOKEN).get(`/v1/taxpayers/${taxId}`).expect(200);
    expect(read.body).toEqual(res.body);
  });

  it('defaults the province to characters 3-4 of the tax id', async () => {
    const taxId = makeTaxId('41');
    const { regionCode, ...body } = taxpayerBody(taxId) as Record<string, unknown>;
    expect(regionCode).toBeUndefined();
    const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send(body).expect(201);
    expect(res.body.regionCode).toBe('41');
  });

  it('registers a non-pilot buyer as a counterparty, without a quota', async () => {
    const taxId = makeTaxId('41');
    const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send({ taxId, name: '河南某某有限公司', pilot: false }).expect(201);
    expect(res.body).toMatchObject({ pilot: false, initialQuota: null, filingFrequency: 'monthly' });
  });

  it('refuses a quota for a non-pilot', async () => {
    const res = await t
      .http(ADMIN_TOKEN)
      .post('/v1/taxpayers')
      .send({ taxId: makeTaxId('41'), name: 'x', pilot: false, initialQuota: '1.00' })
      .expect(400);
    expect(res.body.errors[0].field).toBe('initialQuota');
  });

  it('refuses to register the same tax id twice', async () => {
    const taxId = makeTaxId();
    await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send(taxpayerBody(taxId)).expect(201);
    const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send(taxpayerBody(taxId)).expect(409);
    expect(res.body.code).toBe('ALREADY_EXISTS');
  });

  it.each([
    ['a wrong check character', { taxId: '91220101MA0000000X' }, 'taxId', /expected 0/],
    ['a short tax id', { taxId: '91220101MA000000' }, 'taxId', /18/],
    ['lower-case letters', { taxId: '91220101ma00000000' }, 'taxId', /capital/],
    ['an unknown province', { regionCode: '99' }, 'regionCode', /not a GB\/T 2260/],
    ['Hong Kong', { regionCode: '81' }, 'regionCode', /no provincial tax bureau/],
    ['a province of three digits', { regionCode: '440' }, 'regionCode', /2/],
    ['money as a JSON number', { initialQuota: 7500000 }, 'initialQuota', /string with exactly two decimals/],
    ['money with one decimal', { initialQuota: '7500000.0' }, 'initialQuota', /two decimals/],
    ['a negative quota', { initialQuota: '-1.00' }, 'initialQuota', /from 0.00/],
    ['an unknown field', { hacker: true }, 'hacker', /not a known field/],
    ['a wrong type', { pilot: 'yes' }, 'pilot', /boolean/],
    ['an unknown enum value', { riskLevel: 'extreme' }, 'riskLevel', /one of/],
    ['a name too long', { name: '名'.repeat(201) }, 'name', /200/],
    ['a missing name', { name: undefined }, 'name', /./],
  ])('refuses %s with 400 naming the field', async (_what, patch, field, message) => {
    const body = { ...taxpayerBody(makeTaxId()), ...patch };
    const res = await t.http(ADMIN_TOKEN).post('/v1/taxpayers').send(body).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const error = res.body.errors.find((e: { field: string }) => e.field === field);
    expect(error).toBeDefined();
    expect(error.message).toMatch(message);
  });

  describe('tenant isolation', () => {
    let a: { taxId: string; token: string };
    let b: { taxId: string; token: string };
    beforeAll(async () => {
      a = await registerTaxpayer(t);
      b = await registerTaxpayer(t);
    });

    it('a taxpayer reads itself and gets 404 for another taxpayer, as for a missing one', async () => {
      await t.http(a.token).get(`/v1/taxpayers/${a.taxId}`).expect(200);
      const other = await t.http(a.token).get(`/v1/taxpayers/${b.taxId}`).expect(404);
      const missing = await t.http(a.token).get('/v1/taxpayers/91110108551385082Q').expect(404);
      expect(other.body.code).toBe('NOT_FOUND');
      expect(Object.keys(other.body).sort()).toEqual(Object.keys(missing.body).sort());
    });

    it('a taxpayer lists only itself', async () => {
      const res = await t.http(a.token).get('/v1/taxpayers').expect(200);
      expect(res.body).toEqual({ items: [expect.objectContaining({ taxId: a.taxId })], nextCursor: null });
    });

    it('a scoped auditor reads only its taxpayer; an unscoped auditor reads all', async () => {
      const scoped = await apiKey(t, 'auditor', a.taxId);
      await t.http(scoped).get(`/v1/taxpayers/${a.taxId}`).expect(200);
      await t.http(scoped).get(`/v1/taxpayers/${b.taxId}`).expect(404);
      const unscoped = await apiKey(t, 'auditor');
      await t.http(unscoped).get(`/v1/taxpayers/${b.taxId}`).expect(200);
    });

    it('a tax officer reads any taxpayer and patches risk, rating, frequency, pilot and paper maximum', async () => {
      const officer = await apiKey(t, 'tax_officer');
      const res = await t
        .http(officer)
        .patch(`/v1/taxpayers/${b.taxId}`)
        .send({ riskLevel: 'high', creditRating: 'D', filingFrequency: 'quarterly', paperMaxAmountPerInvoice: '10000.00' })
        .expect(200);
      expect(res.body).toMatchObject({ riskLevel: 'high', creditRating: 'D', filingFrequency: 'quarterly', paperMaxAmountPerInvoice: '10000.00' });
      const read = await t.http(b.token).get(`/v1/taxpayers/${b.taxId}`).expect(200);
      expect(read.body.riskLevel).toBe('high');
    });

    it('PATCH cannot change the name or the tax id', async () => {
      const res = await t.http(ADMIN_TOKEN).patch(`/v1/taxpayers/${b.taxId}`).send({ name: 'renamed' }).expect(400);
      expect(res.body.errors[0]).toEqual({ field: 'name', message: 'is not a known field' });
    });

    it('PATCH of an unknown taxpayer is 404', async () => {
      await t.http(ADMIN_TOKEN).patch('/v1/taxpayers/91110108551385082Q').send({ riskLevel: 'low' }).expect(404);
    });
  });

  it('pages the list with an opaque cursor', async () => {
    const officer = await apiKey(t, 'tax_officer');
    // Taxpayers of its own, so that the list has more than two pages whatever ran before.
    for (let i = 0; i < 5; i++) await registerTaxpayer(t);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { taxId: string }[]; nextCursor: string | null } } = await t
        .http(officer)
        .get(`/v1/taxpayers?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i) => i.taxId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThan(4);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    await t.http(officer).get('/v1/taxpayers?limit=501').expect(400);
    await t.http(officer).get('/v1/taxpayers?limit=0').expect(400);
    await t.http(officer).get('/v1/taxpayers?cursor=garbage').expect(400);
  });
});
