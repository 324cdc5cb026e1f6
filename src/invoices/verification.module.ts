import { Body, Controller, DynamicModule, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Public } from '../common/access';
import { parseMoney } from '../common/money';
import { AppConfig } from '../config/config';
import { VerificationDto } from './invoice.dto';
import { InvoicesModule } from './invoices.module';
import { InvoicesService } from './invoices.service';

class VerificationResultDto {
  @ApiProperty({ description: 'whether an invoice with this number, date and total exists' }) match: boolean;
  @ApiPropertyOptional({ enum: ['blue', 'red'] }) color?: string;
  @ApiPropertyOptional({ example: 'issued' }) status?: string;
}

@ApiTags('invoices')
@Controller('v1/verifications')
class VerificationController {
  constructor(private readonly invoices: InvoicesService) {}

  @Post()
  @Public()
  @HttpCode(200)
  @UseGuards(ThrottlerGuard)
  @ApiOperation({ summary: '查验: anyone, by number, issue date and total; answers whether they match and the status, nothing more' })
  @ApiOkResponse({ type: VerificationResultDto })
  @ApiProblems(400, 429, 500)
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
