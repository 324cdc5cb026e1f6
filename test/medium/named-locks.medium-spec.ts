import { releaseNamedLock, takeNamedLock } from '../../src/database/named-locks';
import { MediumContext, startContext } from '../support/medium';

/**
 * Migrations and audit sealing serialize the processes of one deployment with MySQL named locks,
 * whose names are server-wide: scoped to the database, two deployments on one server (or a
 * benchmark beside CI) never wait for each other. SQLite has no such locks (one process a file).
 */
const onMysql = process.env.TEST_DB === 'mysql' ? describe : describe.skip;

onMysql('named locks are per database', () => {
  let a: MediumContext;
  let b: MediumContext;

  beforeAll(async () => {
    a = await startContext();
    b = await startContext();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a lock held on one database blocks that database only', async () => {
    const [a1, a2, b1] = [a.dataSource.createQueryRunner(), a.dataSource.createQueryRunner(), b.dataSource.createQueryRunner()];
    try {
      expect(await takeNamedLock(a1, 'einvoice_test_lock', 0)).toBe(true);
      expect(await takeNamedLock(a2, 'einvoice_test_lock', 0)).toBe(false); // same database: held
      expect(await takeNamedLock(b1, 'einvoice_test_lock', 0)).toBe(true); // another database: free
      await releaseNamedLock(a1, 'einvoice_test_lock');
      expect(await takeNamedLock(a2, 'einvoice_test_lock', 0)).toBe(true);
      await releaseNamedLock(a2, 'einvoice_test_lock');
      await releaseNamedLock(b1, 'einvoice_test_lock');
    } finally {
      await Promise.all([a1.release(), a2.release(), b1.release()]);
    }
  });
});
