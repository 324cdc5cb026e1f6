import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Input, Space, Table, Tabs, Tag, Typography } from 'antd';
import { client, ok } from '../api/client';
import type { Invoice, Page, Slip } from '../api/types';
import { ErrorAlert, Money, useNotify } from '../components/common';
import { beijing, label, RED_REASONS, SLIP_STATUSES, timeLeft } from '../lib/format';
import { useMe } from '../lib/session';

type Tab = 'awaiting' | 'initiated' | 'all';
const LIVE_PENDING = new Set(['02', '03']);

/** 红字确认单: waiting for me, filed by me, all; status names verbatim; time left before the 72 h void;
 * confirm, reject, revoke; issue the red from a 01/04 slip. */
export default function Slips() {
  const me = useMe();
  const notify = useNotify();
  const { modal } = App.useApp();
  const queryClient = useQueryClient();
  const [tab, setTab] = useState<Tab>('awaiting');
  const list = useQuery({
    queryKey: ['slips', tab],
    // A slip changes when the other party acts: every visit of a tab asks again.
    staleTime: 0,
    refetchOnMount: 'always',
    refetchInterval: 60_000,
    queryFn: () =>
      ok<Page<Slip>>(client.GET('/v1/red-confirmations', { params: { query: { ...(tab === 'all' ? {} : { direction: tab }), limit: '100' } as never } })),
  });
  const done = (text: string) => {
    notify.ok(text);
    void queryClient.invalidateQueries({ queryKey: ['slips'] });
    void queryClient.invalidateQueries({ queryKey: ['quota'] });
    void queryClient.invalidateQueries({ queryKey: ['invoice'] });
  };
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'confirm' | 'reject' | 'revoke' }) =>
      ok<Slip>(client.POST(`/v1/red-confirmations/{id}/${action}` as '/v1/red-confirmations/{id}/confirm', { params: { path: { id } } })),
    onSuccess: (s) => done(`确认单 ${s.number}：${label(SLIP_STATUSES, s.status)}`),
    onError: notify.fail,
  });
  const issueRed = useMutation({
    mutationFn: (id: string) =>
      ok<Invoice>(client.POST('/v1/red-confirmations/{id}/red-invoice', { params: { path: { id } }, headers: { 'Idempotency-Key': `red-${id}` } })),
    onSuccess: (inv) => {
      done(`已开具红字发票 ${inv.number}`);
      modal.success({
        title: '已开具红字发票',
        content: (
          <span>
            红字发票号码{' '}
            <Link to={`/invoices/${inv.number}`} data-testid="red-number">
              {inv.number}
            </Link>
            ，价税合计 <Money value={inv.totalWithTax} /> 元，额度已恢复。
          </span>
        ),
      });
    },
    onError: notify.fail,
  });

  const myParty = (s: Slip) => (s.sellerTaxId === me.taxpayerId ? 'seller' : 'buyer');
  const [search, setSearch] = useState('');
  const rows = (list.data?.items ?? []).filter((s) => !search || s.blueInvoiceNumber.includes(search) || s.number.includes(search));

  return (
    <>
      <Typography.Title level={2}>红字确认单</Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k as Tab)}
        items={[
          { key: 'awaiting', label: '待我确认' },
          { key: 'initiated', label: '我发起的' },
          { key: 'all', label: '全部' },
        ]}
      />
      <Input.Search placeholder="确认单编号或蓝字发票号码" allowClear onSearch={setSearch} style={{ width: 320, marginBottom: 16 }} />
      <ErrorAlert error={list.error} />
      <Table<Slip>
        rowKey="id"
        loading={list.isFetching}
        dataSource={rows}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: '确认单编号', dataIndex: 'number' },
          { title: '蓝字发票号码', dataIndex: 'blueInvoiceNumber', render: (n: string) => <Link to={`/invoices/${n}`}>{n}</Link> },
          { title: '原因', dataIndex: 'reason', render: (v: string) => label(RED_REASONS, v) },
          { title: '发起方', dataIndex: 'initiator', render: (v: string) => (v === 'seller' ? '销方' : '购方') },
          {
            title: '状态',
            dataIndex: 'status',
            render: (v: string, s) => (
              <Tag color={Number(v) >= 5 ? 'default' : v === '04' || v === '01' ? 'green' : 'orange'}>{s.statusName ?? label(SLIP_STATUSES, v)}</Tag>
            ),
          },
          { title: '冲减金额', dataIndex: 'totalAmount', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: '冲减税额', dataIndex: 'totalTax', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: '填开时间', dataIndex: 'createdAt', render: (v: string) => beijing(v) },
          { title: '剩余时间', dataIndex: 'expiresAt', render: (v: string | null, s) => (LIVE_PENDING.has(s.status) ? timeLeft(v) : '') },
          {
            title: '操作',
            render: (_: unknown, s) => {
              const mine = myParty(s);
              const initiatedByMe = s.initiator === mine;
              return (
                <Space wrap>
                  {LIVE_PENDING.has(s.status) && !initiatedByMe && (
                    <>
                      <Button type="primary" size="small" onClick={() => act.mutate({ id: s.id, action: 'confirm' })}>
                        确认
                      </Button>
                      <Button size="small" danger onClick={() => act.mutate({ id: s.id, action: 'reject' })}>
                        拒绝
                      </Button>
                    </>
                  )}
                  {initiatedByMe && ['01', '02', '03', '04'].includes(s.status) && !s.redInvoiceNumber && (
                    <Button size="small" onClick={() => act.mutate({ id: s.id, action: 'revoke' })}>
                      撤销
                    </Button>
                  )}
                  {mine === 'seller' && (s.status === '01' || s.status === '04') && !s.redInvoiceNumber && (
                    <Button size="small" type="primary" danger loading={issueRed.isPending} onClick={() => issueRed.mutate(s.id)}>
                      开具红字发票
                    </Button>
                  )}
                  {s.redInvoiceNumber && <Link to={`/invoices/${s.redInvoiceNumber}`}>红字发票 {s.redInvoiceNumber}</Link>}
                </Space>
              );
            },
          },
        ]}
      />
    </>
  );
}
