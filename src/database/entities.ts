import { ApiKeyEntity, SessionEntity, UserEntity } from '../auth/auth.entities';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { TaxpayerEntity } from '../taxpayers/taxpayer.entity';

/** Every entity, listed explicitly (no globs: the same list works under ts-jest and in dist/). */
export const ENTITIES = [UserEntity, ApiKeyEntity, SessionEntity, TaxpayerEntity, AuditEventEntity];
