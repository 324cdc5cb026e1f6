import { Global, Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';
import { RateLimiter } from './rate-limit';

/** Framework-light services every module may use. */
@Global()
@Module({ providers: [IdempotencyService, RateLimiter], exports: [IdempotencyService, RateLimiter] })
export class CommonModule {}
