import { Global, Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

/** Framework-light services every module may use. */
@Global()
@Module({ providers: [IdempotencyService], exports: [IdempotencyService] })
export class CommonModule {}
