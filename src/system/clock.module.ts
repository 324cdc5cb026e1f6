import { TypeOrmModule } from '@nestjs/typeorm';
import {
  Body,
  Controller,
  DynamicModule,
  Get,
  Global,
  Injectable,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Put,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiAuthenticatedProblems, ApiProblems } from '../common/openapi';
import { IsString } from 'class-validator';
import type { NextFunction, Request, Response } from 'express';
import { Roles } from '../common/access';
import { AppConfig } from '../config/config';
import { isDuplicate } from '../database/db-errors';
import { TestClockEntity } from './clock.entity';
import { TestClocksRepository } from './test-clocks.repository';
import { Clock, ManualClock, SystemClock } from '../common/clock';
import { Problems } from '../common/problem';
import { formatCst, parseIsoInstant } from '../common/time';

const ROW = 'manual';
/** Background work between requests sees another process's setting within this time. */
const REFRESH_MS = 1000;

/**
 * The manual clock shared through the database (issue 11 item 16): one row, `test_clocks`.
 * Every request first reads it into this process's ManualClock (one primary-key lookup, manual
 * mode only), so every process on the database reads one clock; a timer refreshes it between
 * requests too. Setting it writes the row, then the local copy.
 */
@Injectable()
export class SharedManualClock implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly rows: TestClocksRepository,
  ) {}

  private get manual(): ManualClock {
    return this.clock as ManualClock;
  }

  async onApplicationBootstrap(): Promise<void> {
    // The first process to start puts its own "now" in; the others take what is there.
    await this.rows.insert({ id: ROW, nowAt: this.manual.now() }).catch((error) => {
      if (!isDuplicate(error)) throw error;
    });
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS).unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const row = await this.rows.find(ROW);
    if (row) this.manual.set(row.nowAt);
  }

  async set(instant: Date): Promise<void> {
    await this.rows.upsert({ id: ROW, nowAt: instant });
    this.manual.set(instant);
  }
}

class ClockDto {
  @ApiProperty({ example: '2023-07-20T09:00:00+08:00' }) now: string;
  @ApiProperty({ enum: ['system', 'manual'] }) mode: string;
}

class SetClockDto {
  @ApiProperty({ example: '2023-07-20T09:00:00+08:00', description: 'ISO 8601 instant with its offset' })
  @IsString()
  now: string;
}

@ApiTags('system')
@ApiAuth()
@ApiAuthenticatedProblems()
@Controller('v1/system/clock')
class ClockController {
  constructor(
    private readonly clock: Clock,
    private readonly shared: SharedManualClock,
  ) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Read the test clock (EINVOICE_CLOCK=manual only); every process on the database reads the same one' })
  @ApiOkResponse({ type: ClockDto })
  get() {
    return { now: formatCst(this.clock.now()), mode: this.clock.mode };
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'Set the test clock (EINVOICE_CLOCK=manual only); kept in the database, it stands still until set again, for every process' })
  @ApiOkResponse({ type: ClockDto })
  @ApiProblems(400)
  async set(@Body() body: SetClockDto) {
    const instant = parseIsoInstant(body.now);
    if (!instant) throw Problems.field('now', 'must be an ISO 8601 instant with an offset, e.g. 2023-07-20T09:00:00+08:00');
    await this.shared.set(instant);
    return this.get();
  }
}

/** Provides the Clock; with EINVOICE_CLOCK=manual also the admin routes that set it (else they
 * 404) and the per-request refresh from the database. */
@Global()
@Module({})
export class ClockModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    const manual = config.clockMode === 'manual';
    return {
      module: ClockModule,
      imports: [TypeOrmModule.forFeature([TestClockEntity])],
      controllers: manual ? [ClockController] : [],
      providers: [{ provide: Clock, useValue: manual ? new ManualClock() : new SystemClock() }, ...(manual ? [SharedManualClock, TestClocksRepository] : [])],
      exports: [Clock],
    };
  }

  constructor(private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.clockMode !== 'manual') return;
    consumer.apply(ClockRefreshMiddleware).forRoutes('*');
  }
}

/** Manual mode only: reads the shared clock before the request runs. If the database does not
 * answer, the request goes on with the last value read (/health stays live; a route that needs
 * the database answers 503 itself). */
@Injectable()
class ClockRefreshMiddleware {
  constructor(private readonly shared: SharedManualClock) {}

  use(_req: Request, _res: Response, next: NextFunction): void {
    this.shared.refresh().then(
      () => next(),
      () => next(),
    );
  }
}
