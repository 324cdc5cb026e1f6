import { ConsoleLogger, INestApplication, LogLevel as NestLogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { consoleMiddleware } from './console';
import { ProblemFilter } from './common/problem.filter';
import { requestLog } from './common/request-log.middleware';
import { createValidationPipe, ObjectBodyPipe } from './common/validation';
import { AppConfig, LogLevel } from './config/config';

export const BODY_LIMIT = '10mb';

const LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

/** The options the application is created with (also by tests that build it from a testing module). */
export function appOptions(config: AppConfig) {
  return { logger: new ConsoleLogger({ json: true, logLevels: LEVELS[config.logLevel] }), bodyParser: false, abortOnError: false };
}

/** Builds the configured application (not yet listening): used by main.ts and the e2e tests. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  return configureApp(await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), appOptions(config)), config);
}

/** Middleware, pipes, filters and the OpenAPI document of an application created from AppModule. */
export function configureApp(app: NestExpressApplication, config: AppConfig): NestExpressApplication {
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestLog);
  app.use(consoleMiddleware(config.consoleDir));
  app.useBodyParser('json', { limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(new ObjectBodyPipe(), createValidationPipe());
  app.enableShutdownHooks();

  const document = openApiDocument(app);
  // Every route may answer 503 SERVICE_UNAVAILABLE with Retry-After while the database is down.
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (operation && typeof operation === 'object' && 'responses' in operation) {
        operation.responses['503'] ??= {
          description:
            'SERVICE_UNAVAILABLE (problem, with a Retry-After header): the database is unavailable, or the service is saturated; retry after the given seconds',
        };
      }
    }
  }
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}

/**
 * The OpenAPI document (GET /docs-json; `npm run openapi` writes it to web/openapi.json for the
 * console's generated client). Programs authenticate with a bearer token (an API key or a session
 * token: opaque, not JWTs); the console with the session cookie, plus X-CSRF-Token on unsafe calls.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('数电票 e-invoicing service')
      .setDescription(
        "Issues China's fully digitalized e-invoices under the monthly quota. Errors are RFC 9457 problem details " +
          '(application/problem+json) with a stable `code`. Authenticate with `Authorization: Bearer <API key or session token>`, ' +
          'or, in the console, with the `einvoice_session` cookie from `POST /v1/auth/sessions` (header `X-Einvoice-Client: console`) ' +
          'plus `X-CSRF-Token` on every POST, PUT, PATCH and DELETE.',
      )
      .setVersion('1')
      .addSecurity('bearer', { type: 'http', scheme: 'bearer', description: 'an API key (eik_…) or a session token (eis_…); opaque, not a JWT' })
      .addSecurity('cookie', { type: 'apiKey', in: 'cookie', name: 'einvoice_session', description: "the console's session (httpOnly, SameSite=Strict)" })
      .addSecurity('csrf', {
        type: 'apiKey',
        in: 'header',
        name: 'X-CSRF-Token',
        description: 'with the cookie, on unsafe methods: the csrfToken from sign-in or GET /v1/auth/me',
      })
      .build(),
    { operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}` },
  );
}
