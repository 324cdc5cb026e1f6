import { TypeOrmModule } from '@nestjs/typeorm';
import { Body, Controller, Get, Module, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { DeliveryEntity } from './delivery.entity';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiJson, ApiProblems } from '../common/openapi';
import { DeliveryListDto, DeliveryViewDto } from './delivery.responses';
import { IsEmail, IsIn, MaxLength, Matches } from 'class-validator';
import { CurrentPrincipal, Roles } from '../common/access';
import { Principal } from '../common/principal';
import { Idempotent, IdempotencyRecorder } from '../idempotency/idempotency.interceptor';
import type { RecordResponse } from '../idempotency/idempotency.service';
import { Problems } from '../common/problem';
import { InvoicesModule } from '../invoices/invoices.module';
import { RenderingModule } from '../rendering/rendering.module';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryService } from './delivery.service';

class DeliveryDto {
  @ApiProperty({ enum: ['email'] })
  @IsIn(['email'])
  channel: 'email';

  @ApiProperty({ example: 'ap@example.com' })
  @IsEmail()
  @MaxLength(254)
  // Refused explicitly: a CR/LF or any other control character has no place in an address (and
  // would be a header injection in the message it goes into).
  @Matches(/^[^\u0000-\u001f\u007f-\u009f]*$/, { message: 'must not contain control characters' })
  to: string;
}

@ApiTags('delivery')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1')
class DeliveryController {
  constructor(private readonly delivery: DeliveryService) {}

  @Post('invoices/:number/deliveries')
  @Roles('taxpayer')
  @Idempotent()
  @ApiOperation({ summary: "Send the invoice's PDF, OFD and XML by e-mail (the seller); recorded first, retried on failure" })
  @ApiJson(
    201,
    DeliveryViewDto,
    'the delivery after its first attempt (receipt: the SMTP answer, or `file: <name>.eml` in the outbox, never a path); ' +
      'a duplicate with the same Idempotency-Key replays this answer',
  )
  @ApiProblems(400, 404, 409)
  deliver(@CurrentPrincipal() p: Principal, @Param('number') number: string, @Body() dto: DeliveryDto, @IdempotencyRecorder() record: RecordResponse) {
    return this.delivery.deliver(p, number, dto.to, record);
  }

  @Get('invoices/:number/deliveries')
  @ApiOperation({ summary: "An invoice's deliveries and their outcome" })
  @ApiJson(200, DeliveryListDto, "the invoice's deliveries")
  @ApiProblems(404)
  list(@CurrentPrincipal() p: Principal, @Param('number') number: string) {
    return this.delivery.list(p, number);
  }

  @Post('deliveries/:id/retry')
  @Roles('taxpayer')
  @ApiOperation({ summary: 'Retry a failed delivery now (the seller)' })
  @ApiJson(200, DeliveryViewDto, 'the delivery after the attempt')
  @ApiProblems(404, 409)
  retry(@CurrentPrincipal() p: Principal, @Param('id', new ParseUUIDPipe({ exceptionFactory: () => Problems.notFound('delivery') })) id: string) {
    return this.delivery.retry(p, id);
  }
}

@Module({
  imports: [TypeOrmModule.forFeature([DeliveryEntity]), InvoicesModule, RenderingModule],
  controllers: [DeliveryController],
  providers: [DeliveryService, DeliveriesRepository],
})
export class DeliveryModule {}
