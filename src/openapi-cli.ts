import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp, openApiDocument } from './app';
import { loadConfig } from './config/config';

/**
 * `npm run openapi [file]`: writes the OpenAPI document (the same as GET /docs-json) to
 * web/openapi.json, for the console's generated client. No database server: the app is built on a
 * throwaway SQLite file and never listens.
 */
async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'web', 'openapi.json'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'einvoice-openapi-'));
  try {
    const app = await createApp(loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'openapi.sqlite')}`, LOG_LEVEL: 'error', PORT: '0' }));
    const document = openApiDocument(app);
    await app.close();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${out} (${Object.keys(document.paths).length} paths)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`openapi: ${error?.stack ?? error}`);
  process.exit(1);
});
