import { Body, Controller, DynamicModule, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Public } from '../common/access';
import { parseMoney } from '../common/money';
import { AppConfig } from '../config/config';
import { VerificationDto } from './invoice.dto';
import { InvoicesModule } from './invoices.module';
import { InvoicesService } from './invoices.service';

@ApiTags('invoices')
@Controller('v1/verifications')
class VerificationController {
  constructor(private readonly invoices: InvoicesService) {}

  @Post()
  @Public()
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @ApiOperation({ summary: '查验: anyone, by number, issue date and total; answers whether they match and the status, nothing more' })
  @ApiTooManyRequestsResponse({ description: 'RATE_LIMITED, with Retry-After' })
  verify(@Body() dto: VerificationDto) {
    return this.invoices.verify(dto.number, dto.issueDate, parseMoney(dto.totalWithTax));
  }
}

/** Public verification, rate-limited per client IP (VERIFY_RATE_LIMIT per minute). */
@Module({})
export class VerificationModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: VerificationModule,
      imports: [InvoicesModule, ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: config.verifyRateLimit }])],
      controllers: [VerificationController],
    };
  }
}
