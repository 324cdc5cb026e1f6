import { Global, Module } from '@nestjs/common';
import { RateLimiter } from './rate-limit';

/** Framework-light services every module may use. */
@Global()
@Module({ providers: [RateLimiter], exports: [RateLimiter] })
export class CommonModule {}
