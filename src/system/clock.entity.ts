import { Entity, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../database/columns';

/** The manual test clock (EINVOICE_CLOCK=manual), one row, shared by every process on the database. */
@Entity('test_clocks')
export class TestClockEntity {
  /** Always 'manual'. */
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  @InstantColumn({ name: 'now_at' })
  nowAt: Date;
}
