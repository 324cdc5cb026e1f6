import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { SetupCodeEntity } from './setup-code.entity';

/** The setup_codes rows: one printed per start while there is no admin, all spent at once. Only a code's digest is stored. */
@Injectable()
export class SetupCodesRepository {
  /** A new code. */
  async insert(em: EntityManager, row: SetupCodeEntity): Promise<void> {
    await em.insert(SetupCodeEntity, row);
  }

  /** The codes not spent yet (expired ones included), as the transaction sees them. */
  unspent(em: EntityManager): Promise<SetupCodeEntity[]> {
    return em.find(SetupCodeEntity, { where: { spentAt: IsNull() } });
  }

  /** Spends every code not spent yet (one statement); answers how many this call spent. */
  async spendAll(em: EntityManager, spentAt: Date): Promise<number> {
    const spent = await em.createQueryBuilder().update(SetupCodeEntity).set({ spentAt }).where('spent_at IS NULL').execute();
    return spent.affected ?? 0;
  }
}
