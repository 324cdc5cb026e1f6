import { useRef, useState } from 'react';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Descriptions, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { client, ok, rawFetch } from '../api/client';
import type { AuditEvent, Page } from '../api/types';
import { ErrorAlert, errorText } from '../components/common';
import { beijing, COLORS, INVOICE_STATUSES, INVOICE_TYPE_SHORT } from '../lib/format';
import { useMe } from '../lib/session';

export default function Auditor({ view }: { view: 'exports' | 'audit' }) {
  return view === 'exports' ? <Exports /> : <AuditRecord />;
}

const bytes = (n: number) => (n < 1024 ? `${n} 字节` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(2)} MB`);

type ExportForm = {
  taxId?: string;
  range?: [Dayjs, Dayjs];
  format: 'csv' | 'jsonl' | 'zip';
  direction?: string;
  color?: string;
  type?: string;
  status?: string;
};

/** Exports streamed by the browser with the bytes shown as they arrive, then saved as a file. */
function Exports() {
  const me = useMe();
  const [received, setReceived] = useState(0);
  const [state, setState] = useState<'idle' | 'running' | 'done' | 'failed'>('idle');
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);

  const start = async (v: ExportForm) => {
    const q = new URLSearchParams();
    const taxId = v.taxId?.trim() || me.taxpayerId || '';
    if (taxId) q.set('taxId', taxId);
    if (v.range) {
      q.set('from', v.range[0].format('YYYY-MM-DD'));
      q.set('to', v.range[1].format('YYYY-MM-DD'));
    }
    q.set('format', v.format);
    for (const k of ['direction', 'color', 'type', 'status'] as const) if (v[k]) q.set(k, v[k]!);
    setReceived(0);
    setError(null);
    setState('running');
    abort.current = new AbortController();
    try {
      const res = await rawFetch(`/v1/exports/invoices?${q}`, { signal: abort.current.signal });
      const reader = res.body!.getReader();
      const chunks: BlobPart[] = [];
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value as BlobPart);
        n += value.byteLength;
        setReceived(n);
      }
      const type = res.headers.get('content-type') ?? 'application/octet-stream';
      const disposition = res.headers.get('content-disposition') ?? '';
      const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `invoices-${taxId || 'all'}.${v.format}`;
      const url = URL.createObjectURL(new Blob(chunks, { type }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState('done');
    } catch (e) {
      setError(e);
      setState('failed');
    }
  };

  return (
    <>
      <Typography.Title level={2}>数据导出</Typography.Title>
      <Card size="small">
        <Form<ExportForm> layout="inline" initialValues={{ format: 'csv', direction: 'both' }} onFinish={(v) => void start(v)} style={{ rowGap: 8 }}>
          {!me.taxpayerId && (
            <Form.Item label="纳税人识别号" name="taxId">
              <Input style={{ width: 200 }} placeholder="不填为全部" />
            </Form.Item>
          )}
          <Form.Item label="开票日期" name="range">
            <DatePicker.RangePicker />
          </Form.Item>
          <Form.Item label="格式" name="format">
            <Select
              style={{ width: 100 }}
              options={[
                { value: 'csv', label: 'CSV' },
                { value: 'jsonl', label: 'JSONL' },
                { value: 'zip', label: 'ZIP（含版式文件）' },
              ]}
            />
          </Form.Item>
          <Form.Item label="方向" name="direction">
            <Select
              style={{ width: 100 }}
              options={[
                { value: 'both', label: '全部' },
                { value: 'issued', label: '销项' },
                { value: 'received', label: '进项' },
              ]}
            />
          </Form.Item>
          <Form.Item label="红蓝" name="color">
            <Select allowClear style={{ width: 90 }} options={Object.entries(COLORS).map(([value, l]) => ({ value, label: l }))} />
          </Form.Item>
          <Form.Item label="票种" name="type">
            <Select allowClear style={{ width: 90 }} options={Object.entries(INVOICE_TYPE_SHORT).map(([value, l]) => ({ value, label: l }))} />
          </Form.Item>
          <Form.Item label="状态" name="status">
            <Select allowClear style={{ width: 110 }} options={Object.entries(INVOICE_STATUSES).map(([value, l]) => ({ value, label: l }))} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" loading={state === 'running'}>
              导出
            </Button>
            {state === 'running' && <Button onClick={() => abort.current?.abort()}>取消</Button>}
          </Space>
        </Form>
      </Card>
      <div style={{ marginTop: 16 }} aria-live="polite">
        {state === 'running' && (
          <Alert
            type="info"
            showIcon
            message={
              <span>
                正在接收：<span data-testid="export-bytes">{bytes(received)}</span>
              </span>
            }
          />
        )}
        {state === 'done' && (
          <Alert
            type="success"
            showIcon
            message={
              <span>
                导出完成，共 <span data-testid="export-bytes">{bytes(received)}</span>，已保存到下载目录。
              </span>
            }
          />
        )}
        {state === 'failed' && <Alert type="error" showIcon role="alert" message={`导出失败：${errorText(error)}`} />}
      </div>
    </>
  );
}

type AuditFilters = { taxId?: string; range?: [Dayjs, Dayjs]; action?: string };

/** The audit record with filters, and the hash chain's verification with its head. */
function AuditRecord() {
  const me = useMe();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const q = {
    taxId: filters.taxId?.trim() || undefined,
    from: filters.range?.[0].format('YYYY-MM-DD'),
    to: filters.range?.[1].format('YYYY-MM-DD'),
    action: filters.action?.trim() || undefined,
    limit: '50',
    cursor: cursors[cursors.length - 1],
  };
  const list = useQuery({
    queryKey: ['audit', q],
    placeholderData: keepPreviousData,
    queryFn: () => ok<Page<AuditEvent>>(client.GET('/v1/audit-events', { params: { query: q as never } })),
  });
  const verify = useMutation({
    mutationFn: () =>
      ok<{ intact: boolean; checked: number; head: { seq: number; hash: string } | string | null; unsealed?: number; brokenAt: unknown; detail?: string }>(
        client.GET('/v1/audit-events/verify'),
      ),
  });
  const canVerify = me.role === 'tax_officer' || me.role === 'admin' || (me.role === 'auditor' && !me.taxpayerId);

  return (
    <>
      <Typography.Title level={2}>审计记录</Typography.Title>
      {canVerify && (
        <Card size="small" style={{ marginBottom: 16 }} title="哈希链校验">
          <Button onClick={() => verify.mutate()} loading={verify.isPending}>
            校验审计链
          </Button>
          <ErrorAlert error={verify.error} />
          {verify.data && (
            <Descriptions size="small" column={1} style={{ marginTop: 12 }}>
              <Descriptions.Item label="结果">{verify.data.intact ? <Tag color="green">完整</Tag> : <Tag color="red">已被篡改</Tag>}</Descriptions.Item>
              <Descriptions.Item label="已校验记录数">{verify.data.checked}</Descriptions.Item>
              {typeof verify.data.head === 'object' && verify.data.head && <Descriptions.Item label="链头序号">{verify.data.head.seq}</Descriptions.Item>}
              {verify.data.unsealed ? <Descriptions.Item label="尚未封存">{verify.data.unsealed}</Descriptions.Item> : null}
              <Descriptions.Item label="链头哈希">
                {verify.data.head ? (
                  <Typography.Text code copyable>
                    {typeof verify.data.head === 'string' ? verify.data.head : verify.data.head.hash}
                  </Typography.Text>
                ) : (
                  '—'
                )}
              </Descriptions.Item>
              {!verify.data.intact && <Descriptions.Item label="断点">{JSON.stringify(verify.data.brokenAt)}</Descriptions.Item>}
            </Descriptions>
          )}
        </Card>
      )}
      <Form<AuditFilters>
        layout="inline"
        onFinish={(v) => {
          setFilters(v);
          setCursors([undefined]);
        }}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        {!me.taxpayerId && (
          <Form.Item label="纳税人识别号" name="taxId">
            <Input style={{ width: 200 }} />
          </Form.Item>
        )}
        <Form.Item label="日期" name="range">
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item label="动作" name="action">
          <Input placeholder="如 invoice.issued" style={{ width: 180 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          查询
        </Button>
      </Form>
      <ErrorAlert error={list.error} />
      <Table<AuditEvent>
        rowKey="id"
        size="small"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        pagination={false}
        expandable={{ expandedRowRender: (e) => <pre className="json">{JSON.stringify({ before: e.before, after: e.after }, null, 2)}</pre> }}
        columns={[
          { title: '序号', dataIndex: 'seq', width: 70 },
          { title: '时间', dataIndex: 'at', render: (v: string) => beijing(v) },
          { title: '操作人', render: (_: unknown, e) => `${e.actor}（${e.actorRole}）` },
          { title: '动作', dataIndex: 'action' },
          { title: '对象', render: (_: unknown, e) => `${e.objectType} ${e.objectId}` },
          { title: '纳税人', dataIndex: 'taxpayerId' },
          { title: '哈希', dataIndex: 'hash', render: (v: string | null) => <Typography.Text code>{v ? `${v.slice(0, 12)}…` : '未封存'}</Typography.Text> },
        ]}
      />
      <Space style={{ marginTop: 16 }}>
        <Button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          上一页
        </Button>
        <span>第 {cursors.length} 页</span>
        <Button disabled={!list.data?.nextCursor} onClick={() => setCursors([...cursors, list.data!.nextCursor!])}>
          下一页
        </Button>
      </Space>
    </>
  );
}
