import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.service';
import { TestClockEntity } from './clock.entity';

/** The test_clocks row (one, the manual clock shared by every process on the database). */
@Injectable()
export class TestClocksRepository {
  constructor(private readonly db: Db) {}

  /** The row, or null. */
  find(id: string): Promise<TestClockEntity | null> {
    return this.db.dataSource.manager.findOne(TestClockEntity, { where: { id } });
  }

  /** A new row (a duplicate key error when it exists). */
  async insert(row: TestClockEntity): Promise<void> {
    await this.db.dataSource.manager.insert(TestClockEntity, row);
  }

  /** Writes the row, whether or not it exists. */
  async upsert(row: TestClockEntity): Promise<void> {
    await this.db.dataSource.manager.upsert(TestClockEntity, row, ['id']);
  }
}
