import { Controller, Get, Module } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access';
import { ProblemException } from '../common/problem';
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
  async ready() {
    try {
      await this.db.dataSource.query('SELECT 1');
      return { status: 'ok', database: this.db.kind };
    } catch {
      throw new ProblemException(503, 'SERVICE_UNAVAILABLE', 'the database does not answer');
    }
  }
}

@Module({ controllers: [HealthController] })
export class HealthModule {}
