import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Form, Input, Radio, Select, Space, Table, Tabs, Typography } from 'antd';
import { client, newKey, ok } from '../api/client';
import type { Application, Page, Taxpayer } from '../api/types';
import { QuotaPanel } from '../components/QuotaPanel';
import { ErrorAlert, Money, useNotify } from '../components/common';
import { APPLICATION_STATUSES, beijing, beijingMonth, label, money, USAGE_PURPOSES } from '../lib/format';

type View = 'applications' | 'quota' | 'periodic' | 'usage';

export default function Officer({ view }: { view: View }) {
  if (view === 'applications') return <Applications />;
  if (view === 'quota') return <TaxpayerQuota />;
  if (view === 'periodic') return <PeriodicRun />;
  return <UsageCorrection />;
}

/** The applications queue: approve or reject with a reason. */
function Applications() {
  const notify = useNotify();
  const { modal } = App.useApp();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<'pending' | 'approved' | 'rejected'>('pending');
  const list = useQuery({
    queryKey: ['applications', status],
    queryFn: () => ok<Page<Application>>(client.GET('/v1/quota/applications', { params: { query: { status, limit: '200' } as never } })),
  });
  const decide = useMutation({
    mutationFn: ({ id, action, reason }: { id: string; action: 'approve' | 'reject'; reason?: string }) =>
      ok<Application>(
        client.POST(`/v1/quota/applications/{id}/${action}` as '/v1/quota/applications/{id}/approve', {
          params: { path: { id } },
          body: { ...(reason ? { reason } : {}) } as never,
        }),
      ),
    onSuccess: (a) => {
      notify.ok(`申请已${label(APPLICATION_STATUSES, a.status)}`);
      void queryClient.invalidateQueries({ queryKey: ['applications'] });
    },
    onError: notify.fail,
  });
  const ask = (a: Application, action: 'approve' | 'reject') => {
    let reason = '';
    modal.confirm({
      title: action === 'approve' ? `批准申请：总额度调整为 ${money(a.requestedTotal)} 元` : '驳回申请',
      content: (
        <Input.TextArea
          aria-label="审核意见"
          rows={3}
          placeholder={action === 'approve' ? '审核意见（可不填）' : '驳回理由（必填）'}
          onChange={(e) => (reason = e.target.value)}
        />
      ),
      okText: action === 'approve' ? '批准' : '驳回',
      cancelText: '取消',
      onOk: () => {
        if (action === 'reject' && !reason.trim()) {
          notify.fail(new Error('请填写驳回理由'));
          return Promise.reject(new Error('reason'));
        }
        return decide.mutateAsync({ id: a.id, action, reason: reason.trim() || undefined });
      },
    });
  };
  return (
    <>
      <Typography.Title level={2}>额度申请</Typography.Title>
      <Radio.Group
        value={status}
        onChange={(e) => setStatus(e.target.value)}
        optionType="button"
        style={{ marginBottom: 16 }}
        options={Object.entries(APPLICATION_STATUSES).map(([value, l]) => ({ value, label: l }))}
      />
      <ErrorAlert error={list.error} />
      <Table<Application>
        rowKey="id"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: '纳税人识别号', render: (_: unknown, a) => a.taxId ?? a.taxpayerId },
          { title: '所属月份', dataIndex: 'period' },
          { title: '申请总额度', dataIndex: 'requestedTotal', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: '理由', dataIndex: 'reason' },
          { title: '提交时间', dataIndex: 'createdAt', render: (v?: string) => beijing(v) },
          { title: '状态', dataIndex: 'status', render: (v: string) => label(APPLICATION_STATUSES, v) },
          {
            title: '操作',
            render: (_: unknown, a) =>
              a.status === 'pending' && (
                <Space>
                  <Button type="primary" size="small" onClick={() => ask(a, 'approve')}>
                    批准
                  </Button>
                  <Button danger size="small" onClick={() => ask(a, 'reject')}>
                    驳回
                  </Button>
                </Space>
              ),
          },
        ]}
      />
    </>
  );
}

export function TaxpayerPicker({ value, onChange }: { value?: string; onChange: (v: string) => void }) {
  const list = useQuery({ queryKey: ['taxpayers'], queryFn: () => ok<Page<Taxpayer>>(client.GET('/v1/taxpayers', { params: { query: { limit: '500' } } })) });
  return (
    <Select
      showSearch
      aria-label="纳税人"
      style={{ width: 420 }}
      placeholder="选择纳税人（名称或识别号）"
      value={value}
      onChange={onChange}
      loading={list.isLoading}
      optionFilterProp="label"
      options={(list.data?.items ?? []).map((t) => ({ value: t.taxId, label: `${t.name}（${t.taxId}）` }))}
    />
  );
}

/** A taxpayer's quota and ledger, and setting a month's total. */
function TaxpayerQuota() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [taxId, setTaxId] = useState<string>();
  const [period, setPeriod] = useState(beijingMonth());
  const [form] = Form.useForm();
  const adjust = useMutation({
    mutationFn: (v: { period: string; kind: 'periodic' | 'manual'; newTotal: string; reason: string }) =>
      ok(
        client.POST('/v1/taxpayers/{taxId}/quota/adjustments', {
          params: { path: { taxId: taxId! } },
          headers: { 'Idempotency-Key': newKey() },
          body: { ...v, newTotal: v.newTotal.trim() } as never,
        }),
      ),
    onSuccess: () => {
      notify.ok('已设置总额度');
      void queryClient.invalidateQueries({ queryKey: ['quota', taxId] });
      void queryClient.invalidateQueries({ queryKey: ['ledger', taxId] });
    },
    onError: notify.fail,
  });
  return (
    <>
      <Typography.Title level={2}>纳税人额度</Typography.Title>
      <Space style={{ marginBottom: 16 }} wrap>
        <TaxpayerPicker value={taxId} onChange={setTaxId} />
        <Input aria-label="月份" value={period} onChange={(e) => setPeriod(e.target.value)} style={{ width: 120 }} />
      </Space>
      {taxId && /^\d{4}-\d{2}$/.test(period) && (
        <>
          <QuotaPanel taxId={taxId} period={period} />
          <Card title="设置月度总额度" size="small">
            <Form form={form} layout="inline" initialValues={{ period, kind: 'manual' }} onFinish={(v) => adjust.mutate(v)} style={{ rowGap: 8 }}>
              <Form.Item label="月份" name="period" rules={[{ required: true, pattern: /^\d{4}-\d{2}$/, message: 'YYYY-MM' }]}>
                <Input style={{ width: 100 }} />
              </Form.Item>
              <Form.Item label="类型" name="kind">
                <Select
                  style={{ width: 110 }}
                  options={[
                    { value: 'manual', label: '人工调整' },
                    { value: 'periodic', label: '定期调整' },
                  ]}
                />
              </Form.Item>
              <Form.Item label="新总额度" name="newTotal" rules={[{ required: true, pattern: /^\d+\.\d{2}$/, message: '两位小数' }]}>
                <Input style={{ width: 150 }} />
              </Form.Item>
              <Form.Item label="理由" name="reason" rules={[{ required: true, message: '请填写理由' }]}>
                <Input style={{ width: 220 }} />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={adjust.isPending}>
                设置
              </Button>
            </Form>
          </Card>
        </>
      )}
    </>
  );
}

const RUN_LABELS: Record<string, string> = { period: '月份', taxpayers: '纳税人数', created: '本次设定额度', unchanged: '已有额度（未变）' };

/** Run the periodic adjustment for a month (running it twice changes nothing). */
function PeriodicRun() {
  const notify = useNotify();
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  const run = useMutation({
    mutationFn: (v: { period: string }) =>
      ok<Record<string, unknown>>(client.POST('/v1/quota/periodic-runs', { headers: { 'Idempotency-Key': newKey() }, body: { period: v.period.trim() } })),
    onSuccess: (r) => {
      setResult(r);
      notify.ok('定期调整已完成');
    },
    onError: notify.fail,
  });
  return (
    <>
      <Typography.Title level={2}>定期调整</Typography.Title>
      <Typography.Paragraph type="secondary">按定期调整规则计算所有纳税人该月的总额度；同一月份重复执行不会再改变额度。</Typography.Paragraph>
      <Form layout="inline" initialValues={{ period: beijingMonth() }} onFinish={(v) => run.mutate(v)}>
        <Form.Item label="月份" name="period" rules={[{ required: true, pattern: /^\d{4}-\d{2}$/, message: 'YYYY-MM' }]}>
          <Input />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={run.isPending}>
          执行定期调整
        </Button>
      </Form>
      {result && (
        <Descriptions bordered size="small" column={1} style={{ marginTop: 16 }}>
          {Object.entries(result)
            .filter(([, v]) => typeof v !== 'object' || v === null)
            .map(([k, v]) => (
              <Descriptions.Item key={k} label={RUN_LABELS[k] ?? k}>
                {String(v)}
              </Descriptions.Item>
            ))}
        </Descriptions>
      )}
    </>
  );
}

/** A tax officer corrects a usage confirmation. */
function UsageCorrection() {
  const notify = useNotify();
  const fix = useMutation({
    mutationFn: (v: { number: string; purpose: string }) =>
      ok(client.POST('/v1/invoices/{number}/usage-confirmation', { params: { path: { number: v.number.trim() } }, body: { purpose: v.purpose as never } })),
    onSuccess: (_d, v) => notify.ok(`发票 ${v.number} 的用途已更正为 ${label(USAGE_PURPOSES, v.purpose)}`),
    onError: notify.fail,
  });
  return (
    <>
      <Typography.Title level={2}>用途确认更正</Typography.Title>
      <Tabs
        items={[
          {
            key: 'fix',
            label: '更正',
            children: (
              <Form layout="inline" onFinish={(v) => fix.mutate(v)} initialValues={{ purpose: 'no_deduction' }}>
                <Form.Item label="发票号码" name="number" rules={[{ required: true, pattern: /^\d{20}$/, message: '20 位发票号码' }]}>
                  <Input style={{ width: 240 }} />
                </Form.Item>
                <Form.Item label="用途" name="purpose">
                  <Select style={{ width: 140 }} options={Object.entries(USAGE_PURPOSES).map(([value, l]) => ({ value, label: l }))} />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={fix.isPending}>
                  更正
                </Button>
              </Form>
            ),
          },
        ]}
      />
    </>
  );
}
