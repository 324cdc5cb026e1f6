import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ADMIN_TOKEN, setClock, startApp, taxpayerBody, TestApp } from '../support/test-app';
import { secondApp } from '../support/second-app';
import { makeTaxId } from '../support/tax-ids';

// Issue 11 item 16: the manual test clock (EINVOICE_CLOCK=manual) is kept in the database, so
// two processes on one database read one clock.
describe('the manual clock, shared by two app instances', () => {
  let t: TestApp;
  let other: INestApplication;
  beforeAll(async () => {
    t = await startApp();
    other = await secondApp(t);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const admin = (app: INestApplication) => ({
    get: (url: string) => request(app.getHttpServer()).get(url).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    put: (url: string) => request(app.getHttpServer()).put(url).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
    post: (url: string) => request(app.getHttpServer()).post(url).set('Authorization', `Bearer ${ADMIN_TOKEN}`),
  });

  it('a time set on one instance is read by the other at once, both ways', async () => {
    await setClock(t, '2023-07-31T23:59:59+08:00');
    expect((await admin(other).get('/v1/system/clock').expect(200)).body).toEqual({ now: '2023-07-31T23:59:59+08:00', mode: 'manual' });
    await admin(other).put('/v1/system/clock').send({ now: '2023-08-01T00:00:00+08:00' }).expect(200);
    expect((await t.http(ADMIN_TOKEN).get('/v1/system/clock').expect(200)).body.now).toBe('2023-08-01T00:00:00+08:00');
  });

  it('domain work on the other instance runs at the shared time', async () => {
    await setClock(t, '2023-07-20T09:00:00+08:00');
    const res = await admin(other)
      .post('/v1/taxpayers')
      .send(taxpayerBody(makeTaxId('22')))
      .expect(201);
    expect(res.body.registeredAt).toBe('2023-07-20T09:00:00+08:00');
  });

  it('an instance started later takes the clock that is already set', async () => {
    await setClock(t, '2023-09-01T08:00:00+08:00');
    const third = await secondApp(t);
    try {
      expect((await admin(third).get('/v1/system/clock').expect(200)).body.now).toBe('2023-09-01T08:00:00+08:00');
    } finally {
      await third.close();
    }
  });
});
