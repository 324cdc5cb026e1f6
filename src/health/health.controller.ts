import { Controller, Get, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi';
import { Public } from '../common/access';
import { ProblemException } from '../common/problem';
import { DATABASE_RETRY_AFTER_SECONDS } from '../common/unavailable';
import { Db } from '../database/db.service';

class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiPropertyOptional({ enum: ['sqlite', 'mysql'], description: '/health/ready: the database that answered' }) database?: string;
}

@ApiTags('operations')
@Controller('health')
class HealthController {
  constructor(private readonly db: Db) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthDto })
  @ApiProblems(500)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiOkResponse({ type: HealthDto })
  @ApiProblems(500, 503)
  async ready() {
    try {
      await this.db.dataSource.query('SELECT 1');
      return { status: 'ok', database: this.db.kind };
    } catch {
      throw new ProblemException(503, 'SERVICE_UNAVAILABLE', 'the database does not answer', {
        database: 'unavailable',
        retryAfter: DATABASE_RETRY_AFTER_SECONDS,
      });
    }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
