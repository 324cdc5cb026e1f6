import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

// Issue 2 item 3: invalid settings stop the start with a clear message.
describe('start-up', () => {
  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ DATABASE_URL: 'postgres://localhost/x' }, /DATABASE_URL must be empty/],
    [{ EINVOICE_CLOCK: 'frozen', LOG_LEVEL: 'chatty' }, /EINVOICE_CLOCK must be system or manual[\s\S]*LOG_LEVEL must be/],
  ])('refuses to start with %j, exit 1 and the reason on stderr', (env, message) => {
    const root = path.resolve(__dirname, '../..');
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^einvoice: invalid configuration:/m);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
