import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/config';
import { isDuplicate } from '../database/db-errors';
import { AuditCheckpointEntity } from './audit-verification.entities';
import { AuditCheckpointsRepository } from './audit-checkpoints.repository';

/** The key from AUDIT_CHECKPOINT_KEY, or from the key file (32 random bytes, hex, mode 0600, made on first start). */
export function loadCheckpointKey(config: Pick<AppConfig, 'auditCheckpointKey' | 'auditCheckpointKeyFile'>): Buffer {
  if (config.auditCheckpointKey) return Buffer.from(config.auditCheckpointKey, 'utf8');
  const file = config.auditCheckpointKeyFile;
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
}

/**
 * Signed checkpoints of the audit chain: "link `seq` with hash `hash` was verified". A checkpoint
 * whose signature does not hold under this process's key (forged, or signed with another key) is
 * ignored, so verification then starts from an earlier one or from the first link.
 */
@Injectable()
export class AuditCheckpoints {
  private readonly logger = new Logger('AuditCheckpoints');
  private key: Buffer | null = null;

  constructor(
    private readonly checkpoints: AuditCheckpointsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  private secret(): Buffer {
    this.key ??= loadCheckpointKey(this.config);
    return this.key;
  }

  keyId(): string {
    return createHash('sha256').update(this.secret()).digest('hex').slice(0, 16);
  }

  sign(seq: bigint, hash: string): string {
    return createHmac('sha256', this.secret()).update(`audit-checkpoint:${seq}:${hash}`).digest('hex');
  }

  valid(c: AuditCheckpointEntity): boolean {
    const expected = Buffer.from(this.sign(c.seq, c.hash), 'hex');
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(c.signature) ? c.signature : '', 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The newest checkpoint whose signature holds (looking at the newest 20). */
  async latest(): Promise<AuditCheckpointEntity | null> {
    const rows = await this.checkpoints.newest(20);
    for (const row of rows) {
      if (this.valid(row)) return row;
      this.logger.warn(`audit checkpoint ${row.seq} is not signed by this key (key id ${row.keyId}); ignored`);
    }
    return null;
  }

  /**
   * Records a checkpoint at `position`, which the caller verified itself (every link from a signed
   * checkpoint it re-checked, or from the first link), unless the newest signed checkpoint is
   * already there or beyond: checkpoints only move forward. Two runs racing past that check each
   * record a link they verified, so either row is sound; the same link twice is one row.
   */
  async record(position: { seq: bigint; hash: string }): Promise<boolean> {
    const newest = await this.latest();
    if (newest && newest.seq >= position.seq) return false;
    const row: AuditCheckpointEntity = {
      seq: position.seq,
      hash: position.hash,
      signature: this.sign(position.seq, position.hash),
      keyId: this.keyId(),
      createdAt: this.clock.now(),
    };
    try {
      await this.checkpoints.insert(row);
      return true;
    } catch (error) {
      if (!isDuplicate(error)) throw error; // another verification recorded the same point
      return false;
    }
  }
}
