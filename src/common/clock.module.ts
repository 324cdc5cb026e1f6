import { Body, Controller, DynamicModule, Get, Global, Module, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from './openapi';
import { IsString } from 'class-validator';
import { Roles } from '../auth/auth.decorators';
import { AppConfig } from '../config/config';
import { Clock, ManualClock, SystemClock } from './clock';
import { Problems } from './problem';
import { formatCst, parseIsoInstant } from './time';

class SetClockDto {
  @ApiProperty({ example: '2023-07-20T09:00:00+08:00', description: 'ISO 8601 instant with its offset' })
  @IsString()
  now: string;
}

class ClockDto {
  @ApiProperty({ example: '2023-07-20T09:00:00+08:00' }) now: string;
  @ApiProperty({ enum: ['system', 'manual'] }) mode: string;
}

@ApiTags('system')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/system/clock')
class ClockController {
  constructor(private readonly clock: Clock) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Read the test clock (EINVOICE_CLOCK=manual only)' })
  @ApiOkResponse({ type: ClockDto })
  get() {
    return { now: formatCst(this.clock.now()), mode: this.clock.mode };
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'Set the test clock (EINVOICE_CLOCK=manual only); it stands still until set again' })
  @ApiOkResponse({ type: ClockDto })
  @ApiProblems(400)
  set(@Body() body: SetClockDto) {
    const instant = parseIsoInstant(body.now);
    if (!instant) throw Problems.field('now', 'must be an ISO 8601 instant with an offset, e.g. 2023-07-20T09:00:00+08:00');
    (this.clock as ManualClock).set(instant);
    return this.get();
  }
}

/** Provides the Clock; with EINVOICE_CLOCK=manual also the admin routes that set it (else they 404). */
@Global()
@Module({})
export class ClockModule {
  static forRoot(config: AppConfig): DynamicModule {
    const manual = config.clockMode === 'manual';
    return {
      module: ClockModule,
      controllers: manual ? [ClockController] : [],
      providers: [{ provide: Clock, useValue: manual ? new ManualClock() : new SystemClock() }],
      exports: [Clock],
    };
  }
}
