import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Card, Col, Descriptions, Row, Statistic, Table, Tag, Typography } from 'antd';
import { ledgerQuery, quotaQuery } from '../api/queries';
import type { LedgerEntry } from '../api/types';
import { beijing, beijingMonth, label, LEDGER_KINDS, money } from '../lib/format';
import { ErrorAlert, Money } from './common';
import { UsageChart } from './UsageChart';

/** A month's quota (total, used, remaining, available now and why), its chart and its ledger.
 * The quota and the ledger are asked for at once (the current month is today's Beijing month; if
 * the service's answer names another month, the ledger follows it), and the figures show as soon
 * as the quota arrives, before the ledger (home page usable within 1.5 s, issue 12). */
export function QuotaPanel({ taxId, period }: { taxId: string; period?: string }) {
  const [today] = useState(() => beijingMonth());
  const quota = useQuery(quotaQuery(taxId, period));
  const month = quota.data?.period ?? period ?? today;
  const ledger = useQuery(ledgerQuery(taxId, month));
  if (quota.error) return <ErrorAlert error={quota.error} />;
  const q = quota.data;
  return (
    <>
      <Card title={q ? `${q.period} 发票额度` : '发票额度'} loading={quota.isLoading} style={{ marginBottom: 16 }}>
        {q && (
          <>
            <Row gutter={16}>
              <Col span={6}>
                <Statistic title="本月总额度" value={money(q.total)} suffix="元" />
              </Col>
              <Col span={6}>
                <Statistic title="已使用" value={money(q.used)} suffix="元" />
              </Col>
              <Col span={6}>
                <Statistic title="剩余额度" value={money(q.remaining)} suffix="元" />
              </Col>
              <Col span={6}>
                <Statistic title="当前可用" value={money(q.available)} suffix="元" valueStyle={{ color: '#1456c4' }} />
              </Col>
            </Row>
            <Descriptions size="small" column={1} style={{ marginTop: 12 }}>
              <Descriptions.Item label="说明">
                {q.inDeclarationWindow ? (
                  <span>
                    <Tag color="orange">申报期内</Tag>上月增值税尚未申报：申报前可用额度受上月剩余额度限制，申报后恢复。
                  </span>
                ) : (
                  <span>
                    <Tag color="green">正常</Tag>当前可用额度等于剩余额度。
                  </span>
                )}
                {q.temporaryAdjusted && (
                  <span>
                    <Tag color="purple">临时调增</Tag>本月额度含临时调增，次月恢复按规则计算。
                  </span>
                )}
              </Descriptions.Item>
            </Descriptions>
            {ledger.data && <UsageChart period={q.period} ledger={ledger.data.items} total={q.total} />}
          </>
        )}
      </Card>
      <Card title="额度台账" style={{ marginBottom: 16 }}>
        <ErrorAlert error={ledger.error} />
        <Table<LedgerEntry>
          size="small"
          rowKey={(r, i) => `${r.at}-${i}`}
          loading={ledger.isLoading}
          dataSource={ledger.data?.items ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={[
            { title: '时间', dataIndex: 'at', render: (v: string) => beijing(v) },
            { title: '原因', dataIndex: 'kind', render: (v: string) => label(LEDGER_KINDS, v) },
            { title: '变动', dataIndex: 'delta', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: '总额度', dataIndex: 'totalAfter', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: '已使用', dataIndex: 'usedAfter', align: 'right', render: (v: string) => <Money value={v} /> },
            { title: '关联', dataIndex: 'ref', render: (v: string | null, r) => <Typography.Text type="secondary">{v ?? r.reason ?? ''}</Typography.Text> },
          ]}
        />
      </Card>
    </>
  );
}
