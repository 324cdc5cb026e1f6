/** Webhook 推送 (API.md "Webhooks"): endpoints, the secret shown once, rotation, deletion, the delivery
 * log with each delivery's attempts, and 重新发送. Taxpayer finance staff see their own; an admin all. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { client, newKey, ok } from '../api/client';
import type { Page } from '../api/types';
import { ErrorAlert, useNotify } from '../components/common';
import { beijing } from '../lib/format';
import { useSession } from '../lib/session';
import {
  ALL_EVENTS,
  attemptResult,
  canRedeliver,
  createBody,
  DELIVERY_STATUSES,
  EVENT_LABELS,
  eventLabel,
  type CreateBody,
  type CreateValues,
  type Webhook,
  type WebhookAttempt,
  type WebhookCreated,
  type WebhookDelivery,
} from '../lib/webhookForm';

const EVENT_OPTIONS = [ALL_EVENTS, ...Object.keys(EVENT_LABELS)].map((value) => ({ value, label: eventLabel(value) }));

export default function Webhooks() {
  const { me } = useSession();
  const isAdmin = me?.role === 'admin';
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<CreateValues>();
  const [formError, setFormError] = useState<unknown>(null);
  const [shown, setShown] = useState<{ title: string; hook: WebhookCreated } | null>(null);
  const [selected, setSelected] = useState<Webhook | null>(null);

  const list = useQuery({
    queryKey: ['webhooks'],
    queryFn: () => ok<Page<Webhook>>(client.GET('/v1/webhooks', { params: { query: { limit: '500' } } })),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const create = useMutation({
    mutationFn: (body: CreateBody) => ok<WebhookCreated>(client.POST('/v1/webhooks', { headers: { 'Idempotency-Key': newKey() }, body })),
    onSuccess: (hook) => {
      setShown({ title: 'Webhook 已添加', hook });
      form.resetFields();
      setFormError(null);
      refresh();
    },
    onError: setFormError,
  });
  const rotate = useMutation({
    mutationFn: (id: string) => ok<WebhookCreated>(client.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } })),
    onSuccess: (hook) => {
      setShown({ title: '签名密钥已轮换', hook });
      refresh();
    },
    onError: notify.fail,
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(client.DELETE('/v1/webhooks/{id}', { params: { path: { id } } })),
    onSuccess: (_r, id) => {
      notify.ok('已删除，未完成的推送已取消');
      if (selected?.id === id) setSelected(null);
      refresh();
    },
    onError: notify.fail,
  });

  const submit = (values: CreateValues) => {
    const built = createBody(values, isAdmin);
    if ('errors' in built) {
      form.setFields(Object.entries(built.errors).map(([name, error]) => ({ name: name as keyof CreateValues, errors: [error] })));
      return;
    }
    create.mutate(built.body);
  };

  return (
    <>
      <Typography.Title level={2}>Webhook 推送</Typography.Title>
      <Typography.Paragraph type="secondary">
        发票开具、收票、红字确认单、额度变化等事件发生时，平台向您的财务系统地址推送 JSON 通知，并以签名密钥签名（请求头
        Einvoice-Signature）。未成功的推送按退避策略重试三天。
      </Typography.Paragraph>
      <Card title="添加 Webhook" size="small" style={{ marginBottom: 16 }}>
        <ErrorAlert error={formError} />
        <Form form={form} layout="inline" onFinish={submit} initialValues={{ events: [ALL_EVENTS] }} style={{ rowGap: 12 }}>
          {isAdmin && (
            <Form.Item label="纳税人识别号" name="taxId">
              <Input style={{ width: 210 }} />
            </Form.Item>
          )}
          <Form.Item label="接收地址" name="url">
            <Input placeholder="https://erp.example.com/einvoice" style={{ width: 340 }} />
          </Form.Item>
          <Form.Item label="订阅事件" name="events">
            <Select mode="multiple" options={EVENT_OPTIONS} style={{ minWidth: 260, maxWidth: 520 }} maxTagCount="responsive" />
          </Form.Item>
          <Form.Item label="备注" name="description">
            <Input placeholder="如 “用友 ERP 生产环境”" style={{ width: 200 }} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending}>
              添加
            </Button>
          </Form.Item>
        </Form>
      </Card>

      <ErrorAlert error={list.error} />
      <Table<Webhook>
        size="small"
        rowKey="id"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: '尚未添加 Webhook' }}
        columns={[
          {
            title: '接收地址',
            dataIndex: 'url',
            render: (url: string, w) => (
              <Space direction="vertical" size={0}>
                <Typography.Text code>{url}</Typography.Text>
                {w.description && <Typography.Text type="secondary">{w.description}</Typography.Text>}
              </Space>
            ),
          },
          ...(isAdmin ? [{ title: '纳税人', dataIndex: 'taxId' }] : []),
          {
            title: '订阅事件',
            dataIndex: 'events',
            render: (events: string[]) => (
              <Space size={[0, 4]} wrap>
                {events.map((e) => (
                  <Tag key={e}>{eventLabel(e)}</Tag>
                ))}
              </Space>
            ),
          },
          {
            title: '状态',
            render: (_: unknown, w) =>
              w.previousSecretExpiresAt ? <Tag color="gold">密钥轮换过渡期至 {beijing(w.previousSecretExpiresAt)}</Tag> : <Tag color="green">启用</Tag>,
          },
          {
            title: '签名密钥',
            render: (_: unknown, w) => (
              <Space direction="vertical" size={0}>
                <Typography.Text code>{w.secretKeyId}</Typography.Text>
                {w.previousSecretKeyId && <Typography.Text type="secondary">旧 {w.previousSecretKeyId}</Typography.Text>}
              </Space>
            ),
          },
          { title: '创建时间', dataIndex: 'createdAt', render: (v: string) => beijing(v) },
          {
            title: '操作',
            render: (_: unknown, w) => (
              <Space wrap>
                <Button size="small" type={selected?.id === w.id ? 'primary' : 'default'} onClick={() => setSelected(w)}>
                  推送记录
                </Button>
                <Popconfirm
                  title="轮换签名密钥？"
                  description="新密钥只显示一次；旧密钥在过渡期内仍同时签名。"
                  okText="轮换"
                  cancelText="取消"
                  onConfirm={() => rotate.mutate(w.id)}
                >
                  <Button size="small">轮换密钥</Button>
                </Popconfirm>
                <Popconfirm
                  title="删除这个 Webhook？"
                  description="删除后不再推送，尚未完成的推送将取消。"
                  okText="删除"
                  okButtonProps={{ danger: true }}
                  cancelText="取消"
                  onConfirm={() => remove.mutate(w.id)}
                >
                  <Button size="small" danger>
                    删除
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />

      {selected && <DeliveryLog hook={selected} />}
      <SecretModal shown={shown} onClose={() => setShown(null)} />
    </>
  );
}

/** The secret, shown once, with a copy button. */
function SecretModal({ shown, onClose }: { shown: { title: string; hook: WebhookCreated } | null; onClose: () => void }) {
  const notify = useNotify();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown!.hook.secret);
      setCopied(true);
    } catch {
      notify.fail(new Error('浏览器不允许写入剪贴板，请手动选中复制'));
    }
  };
  return (
    <Modal
      open={shown !== null}
      title={shown?.title}
      closable={false}
      maskClosable={false}
      destroyOnHidden
      afterOpenChange={(open) => !open && setCopied(false)}
      footer={
        <Button type="primary" onClick={onClose}>
          我已保存，关闭
        </Button>
      }
    >
      <Alert type="warning" showIcon style={{ marginBottom: 12 }} message="签名密钥只显示这一次，关闭后无法再次查看。请复制到接收方系统中用于验签。" />
      <Space.Compact style={{ width: '100%' }}>
        <Input readOnly value={shown?.hook.secret ?? ''} aria-label="签名密钥" data-testid="webhook-secret" />
        <Button onClick={() => void copy()}>{copied ? '已复制' : '复制'}</Button>
      </Space.Compact>
      <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
        密钥编号 {shown?.hook.secretKeyId}
        {shown?.hook.previousSecretExpiresAt ? `；旧密钥在 ${beijing(shown.hook.previousSecretExpiresAt)} 前仍同时签名` : ''}
      </Typography.Paragraph>
    </Modal>
  );
}

/** The delivery log of one webhook, newest first; each row expands into its attempts. */
function DeliveryLog({ hook }: { hook: Webhook }) {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const key = ['webhook-deliveries', hook.id];
  const log = useQuery({
    queryKey: key,
    queryFn: () => ok<Page<WebhookDelivery>>(client.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: hook.id }, query: { limit: '100' } } })),
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'pending') ? 3000 : false),
  });
  const redeliver = useMutation({
    mutationFn: (id: string) => ok<WebhookDelivery>(client.POST('/v1/webhook-deliveries/{id}/redeliver', { params: { path: { id } } })),
    onSuccess: () => {
      notify.ok('已重新加入推送队列');
      void queryClient.invalidateQueries({ queryKey: key });
      void queryClient.invalidateQueries({ queryKey: ['webhook-attempts'] });
    },
    onError: notify.fail,
  });
  return (
    <Card
      size="small"
      style={{ marginTop: 16 }}
      title={
        <span>
          推送记录 <Typography.Text code>{hook.url}</Typography.Text>
        </span>
      }
      extra={
        <Button size="small" onClick={() => void log.refetch()}>
          刷新
        </Button>
      }
    >
      <ErrorAlert error={log.error} />
      <Table<WebhookDelivery>
        size="small"
        rowKey="id"
        loading={log.isFetching && !log.data}
        dataSource={log.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: '暂无推送' }}
        expandable={{ expandedRowRender: (d) => <Attempts hookId={hook.id} deliveryId={d.id} /> }}
        columns={[
          {
            title: '事件',
            render: (_: unknown, d) => (
              <Space direction="vertical" size={0}>
                <span>{eventLabel(d.eventType)}</span>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {d.eventId}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: '状态',
            dataIndex: 'status',
            render: (s: string) => <Tag color={DELIVERY_STATUSES[s]?.color}>{DELIVERY_STATUSES[s]?.text ?? s}</Tag>,
          },
          { title: '尝试次数', dataIndex: 'attempts', align: 'right' },
          { title: '响应码', dataIndex: 'lastStatusCode', render: (v: number | null, d) => v ?? (d.lastError ? '无响应' : '') },
          { title: '耗时', dataIndex: 'lastDurationMs', align: 'right', render: (v: number | null) => (v === null ? '' : `${v} ms`) },
          { title: '最近尝试', dataIndex: 'lastAttemptAt', render: (v: string | null) => beijing(v) },
          { title: '下次重试', dataIndex: 'nextAttemptAt', render: (v: string | null) => beijing(v) },
          {
            title: '操作',
            render: (_: unknown, d) => (
              <Button
                size="small"
                disabled={!canRedeliver(d)}
                loading={redeliver.isPending && redeliver.variables === d.id}
                onClick={() => redeliver.mutate(d.id)}
              >
                重新发送
              </Button>
            ),
          },
        ]}
      />
    </Card>
  );
}

function Attempts({ hookId, deliveryId }: { hookId: string; deliveryId: string }) {
  const attempts = useQuery({
    queryKey: ['webhook-attempts', deliveryId],
    queryFn: () =>
      ok<Page<WebhookAttempt>>(
        client.GET('/v1/webhooks/{id}/deliveries/{deliveryId}/attempts', { params: { path: { id: hookId, deliveryId }, query: { limit: '100' } } }),
      ),
  });
  return (
    <div data-testid="webhook-attempts">
      <ErrorAlert error={attempts.error} />
      <Table<WebhookAttempt>
        size="small"
        rowKey="id"
        loading={attempts.isFetching && !attempts.data}
        dataSource={attempts.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: '尚未尝试' }}
        columns={[
          { title: '尝试时间', dataIndex: 'attemptedAt', render: (v: string) => beijing(v) },
          { title: '结果', render: (_: unknown, a) => <Tag color={a.errorClass ? 'red' : 'green'}>{attemptResult(a)}</Tag> },
          { title: '耗时', dataIndex: 'durationMs', align: 'right', render: (v: number) => `${v} ms` },
          { title: '签名密钥', dataIndex: 'keyIds', render: (ids: string[]) => ids.join('、') },
          {
            title: '响应内容（前 1 KB）',
            render: (_: unknown, a) =>
              a.responseExcerpt || a.error ? (
                <Typography.Text code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                  {a.responseExcerpt ?? a.error}
                </Typography.Text>
              ) : null,
          },
        ]}
      />
    </div>
  );
}
