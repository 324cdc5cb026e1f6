import { useState } from 'react';
import { Link } from 'react-router-dom';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, DatePicker, Form, Input, Select, Space, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { client, ok } from '../api/client';
import type { Invoice, Page } from '../api/types';
import { ErrorAlert, Money } from '../components/common';
import { beijing, COLORS, INVOICE_STATUSES, INVOICE_TYPE_SHORT, label } from '../lib/format';

type Filters = { range?: [Dayjs, Dayjs] | null; color?: 'blue' | 'red'; type?: 'special' | 'ordinary'; status?: string; counterparty?: string };
const PAGE = 20;

/** Invoices issued or received: filters (dates, colour, type, status, counterparty) and paging. */
export default function Invoices({ direction }: { direction: 'issued' | 'received' }) {
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const q = {
    direction,
    from: filters.range?.[0]?.format('YYYY-MM-DD'),
    to: filters.range?.[1]?.format('YYYY-MM-DD'),
    color: filters.color,
    type: filters.type,
    status: filters.status as never,
    counterparty: filters.counterparty?.trim() || undefined,
    limit: String(PAGE),
    cursor,
  };
  const list = useQuery({
    queryKey: ['invoices', q],
    placeholderData: keepPreviousData,
    queryFn: () => ok<Page<Invoice>>(client.GET('/v1/invoices', { params: { query: q as never } })),
  });
  const other = (i: Invoice) => (direction === 'issued' ? i.buyer : i.seller);
  // Until the service filters by counterparty (NEEDS.md), the page shown is filtered here too.
  const needle = filters.counterparty?.trim();
  const rows = (list.data?.items ?? []).filter((i) => !needle || other(i).name?.includes(needle) || other(i).taxId?.startsWith(needle));

  return (
    <>
      <Typography.Title level={2}>{direction === 'issued' ? '已开发票' : '收票管理'}</Typography.Title>
      <Form
        layout="inline"
        onFinish={(v: Filters) => {
          setFilters(v);
          setCursors([undefined]);
        }}
        style={{ marginBottom: 16, rowGap: 8 }}
      >
        <Form.Item label="开票日期" name="range">
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item label="红蓝" name="color">
          <Select allowClear style={{ width: 90 }} options={Object.entries(COLORS).map(([value, l]) => ({ value, label: l }))} />
        </Form.Item>
        <Form.Item label="票种" name="type">
          <Select allowClear style={{ width: 90 }} options={Object.entries(INVOICE_TYPE_SHORT).map(([value, l]) => ({ value, label: l }))} />
        </Form.Item>
        <Form.Item label="状态" name="status">
          <Select allowClear style={{ width: 120 }} options={Object.entries(INVOICE_STATUSES).map(([value, l]) => ({ value, label: l }))} />
        </Form.Item>
        <Form.Item label={direction === 'issued' ? '购买方' : '销售方'} name="counterparty">
          <Input placeholder="名称或纳税人识别号" allowClear />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          查询
        </Button>
      </Form>
      <ErrorAlert error={list.error} />
      <Table<Invoice>
        rowKey="number"
        size="middle"
        loading={list.isFetching}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: '发票号码', dataIndex: 'number', render: (n: string) => <Link to={`/invoices/${n}`}>{n}</Link> },
          { title: '开票日期', dataIndex: 'issuedAt', render: (v: string) => beijing(v) },
          { title: direction === 'issued' ? '购买方名称' : '销售方名称', render: (_: unknown, i) => other(i).name },
          { title: '票种', dataIndex: 'type', render: (v: string) => label(INVOICE_TYPE_SHORT, v) },
          { title: '红蓝', dataIndex: 'color', render: (v: string) => <Tag color={v === 'red' ? 'red' : 'blue'}>{label(COLORS, v)}</Tag> },
          { title: '状态', dataIndex: 'status', render: (v: string) => label(INVOICE_STATUSES, v) },
          { title: '金额', dataIndex: 'totalAmount', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: '税额', dataIndex: 'totalTax', align: 'right', render: (v: string) => <Money value={v} /> },
          { title: '价税合计', dataIndex: 'totalWithTax', align: 'right', render: (v: string) => <Money value={v} /> },
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
