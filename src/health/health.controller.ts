import { Controller, Get, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access';
import { ProblemException } from '../common/problem';
import { DATABASE_RETRY_AFTER_SECONDS } from '../common/unavailable';
import { Db } from '../database/db.service';

@ApiTags('operations')
@Controller('health')
class HealthController {
  constructor(private readonly db: Db) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiOkResponse({ description: '{ status: "ok", database: "sqlite" | "mysql" }' })
  @ApiServiceUnavailableResponse({ description: 'problem SERVICE_UNAVAILABLE with `database: "unavailable"` and a Retry-After header: the database does not answer' })
  async ready() {
    try {
      await this.db.dataSource.query('SELECT 1');
      return { status: 'ok', database: this.db.kind };
    } catch {
      throw new ProblemException(503, 'SERVICE_UNAVAILABLE', 'the database does not answer', { database: 'unavailable', retryAfter: DATABASE_RETRY_AFTER_SECONDS });
    }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
