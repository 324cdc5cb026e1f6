import { useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Form, type FormInstance, Input, Modal, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { client, newKey, ok } from '../api/client';
import type { Page, Taxpayer } from '../api/types';
import { ErrorAlert, Money, useNotify } from '../components/common';
import { beijing, label, ROLES, userState } from '../lib/format';

type View = 'taxpayers' | 'users' | 'api-keys';

export default function Admin({ view }: { view: View }) {
  if (view === 'taxpayers') return <Taxpayers />;
  if (view === 'users') return <Users />;
  return <ApiKeys />;
}

const TYPES = { general: '一般纳税人', small_scale: '小规模纳税人' };
const FREQ = { monthly: '按月', quarterly: '按季' };
const RISK = { low: '低', medium: '中', high: '高' };
const opts = (t: Record<string, string>) => Object.entries(t).map(([value, l]) => ({ value, label: l }));
const ratingOpts = ['A', 'B', 'M', 'C', 'D'].map((v) => ({ value: v, label: v }));

/** Taxpayers: register and edit. */
function Taxpayers() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Taxpayer | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [createForm] = Form.useForm();
  const list = useQuery({ queryKey: ['taxpayers'], queryFn: () => ok<Page<Taxpayer>>(client.GET('/v1/taxpayers', { params: { query: { limit: '500' } } })) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['taxpayers'] });
  const create = useMutation({
    mutationFn: (v: Record<string, unknown>) =>
      ok<Taxpayer>(client.POST('/v1/taxpayers', { headers: { 'Idempotency-Key': newKey() }, body: clean(v) as never })),
    onSuccess: (t) => {
      notify.ok(`已登记 ${t.name}`);
      setCreating(false);
      createForm.resetFields();
      refresh();
    },
    onError: setFormError,
  });
  const update = useMutation({
    mutationFn: (v: Record<string, unknown>) =>
      ok<Taxpayer>(client.PATCH('/v1/taxpayers/{taxId}', { params: { path: { taxId: editing!.taxId } }, body: clean(v) as never })),
    onSuccess: () => {
      notify.ok('已保存');
      setEditing(null);
      refresh();
    },
    onError: setFormError,
  });
  return (
    <>
      <Typography.Title level={2}>纳税人</Typography.Title>
      <Button
        type="primary"
        onClick={() => {
          setFormError(null);
          setCreating(true);
        }}
        style={{ marginBottom: 16 }}
      >
        登记纳税人
      </Button>
      <ErrorAlert error={list.error} />
      <Table<Taxpayer>
        rowKey="taxId"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: '纳税人识别号', dataIndex: 'taxId' },
          { title: '名称', dataIndex: 'name' },
          { title: '类型', dataIndex: 'taxpayerType', render: (v: string) => label(TYPES, v) },
          { title: '申报', dataIndex: 'filingFrequency', render: (v: string) => label(FREQ, v) },
          { title: '风险', dataIndex: 'riskLevel', render: (v: string) => label(RISK, v) },
          { title: '信用', dataIndex: 'creditRating' },
          { title: '试点', dataIndex: 'pilot', render: (v: boolean) => (v ? '是' : '否') },
          { title: '纸票单张限额', dataIndex: 'paperMaxAmountPerInvoice', align: 'right', render: (v: string | null) => <Money value={v} /> },
          {
            title: '操作',
            render: (_: unknown, t) => (
              <Button
                size="small"
                onClick={() => {
                  setFormError(null);
                  setEditing(t);
                }}
              >
                编辑
              </Button>
            ),
          },
        ]}
      />
      <Modal
        open={creating}
        title="登记纳税人"
        width={760}
        okText="登记"
        cancelText="取消"
        onCancel={() => setCreating(false)}
        onOk={() => createForm.submit()}
        confirmLoading={create.isPending}
      >
        <ErrorAlert error={formError} />
        <Form
          form={createForm}
          layout="vertical"
          initialValues={{ regionCode: '22', taxpayerType: 'general', filingFrequency: 'monthly', riskLevel: 'low', creditRating: 'A', pilot: true }}
          onFinish={(v) => create.mutate(v)}
        >
          <Row gutter={12}>
            <Col span={12}>
              <Form.Item label="统一社会信用代码" name="taxId" rules={[{ required: true, len: 18, message: '18 位' }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item label="名称" name="name" rules={[{ required: true }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="地区代码" name="regionCode">
                <Input />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="纳税人类型" name="taxpayerType">
                <Select options={opts(TYPES)} />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="申报周期" name="filingFrequency">
                <Select options={opts(FREQ)} />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="试点" name="pilot" valuePropName="checked">
                <Switch />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="风险等级" name="riskLevel">
                <Select options={opts(RISK)} />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="信用等级" name="creditRating">
                <Select options={ratingOpts} />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="初始额度" name="initialQuota">
                <Input placeholder="如 7500000.00" />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item label="纸票单张限额" name="paperMaxAmountPerInvoice">
                <Input placeholder="如 100000.00" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item label="地址" name="address">
                <Input />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item label="电话" name="phone">
                <Input />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item label="开户银行" name="bankName">
                <Input />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item label="银行账号" name="bankAccount">
                <Input />
              </Form.Item>
            </Col>
          </Row>
        </Form>
      </Modal>
      {editing && (
        <Modal open title={`编辑 ${editing.name}`} footer={null} onCancel={() => setEditing(null)}>
          <ErrorAlert error={formError} />
          <Form layout="vertical" initialValues={editing} onFinish={(v) => update.mutate(v)}>
            <Form.Item label="风险等级" name="riskLevel">
              <Select options={opts(RISK)} />
            </Form.Item>
            <Form.Item label="信用等级" name="creditRating">
              <Select options={ratingOpts} />
            </Form.Item>
            <Form.Item label="申报周期" name="filingFrequency">
              <Select options={opts(FREQ)} />
            </Form.Item>
            <Form.Item label="试点" name="pilot" valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item label="纸票单张限额" name="paperMaxAmountPerInvoice">
              <Input />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={update.isPending}>
              保存
            </Button>
          </Form>
        </Modal>
      )}
    </>
  );
}

function clean(v: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined && x !== null && x !== '')
      .map(([k, x]) => [k, typeof x === 'string' ? x.trim() : x]),
  );
}

type Created = {
  id: string;
  name?: string;
  username?: string;
  role: string;
  taxpayerId?: string | null;
  createdAt?: string;
  token?: string;
  revoked?: boolean;
};

type UserRow = { id: string; username: string; role: string; taxpayerId: string | null; createdAt: string; hasPassword: boolean; lockedUntil: string | null };

/** Users: the list (GET /v1/users, newest first: role, taxpayer, state) and creating one
 * (password rules as the service's: at least 12 characters). */
function Users() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm();
  const list = useInfiniteQuery({
    queryKey: ['users'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      ok<Page<UserRow>>(client.GET('/v1/users', { params: { query: { limit: '100', ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const taxpayers = useQuery({
    queryKey: ['taxpayers'],
    queryFn: () => ok<Page<Taxpayer>>(client.GET('/v1/taxpayers', { params: { query: { limit: '500' } } })),
  });
  const names = new Map((taxpayers.data?.items ?? []).map((t) => [t.taxId, t.name]));
  const users = (list.data?.pages ?? []).flatMap((p) => p.items);
  const signOut = useMutation({
    mutationFn: (u: UserRow) => ok<{ revoked: number }>(client.DELETE('/v1/users/{id}/sessions', { params: { path: { id: u.id } } })),
    onSuccess: (r, u) => notify.ok(r.revoked ? `已使 ${u.username} 的 ${r.revoked} 个会话下线` : `${u.username} 当前没有登录中的会话`),
    onError: notify.fail,
  });
  const create = useMutation({
    mutationFn: (v: Record<string, unknown>) => ok<UserRow>(client.POST('/v1/users', { headers: { 'Idempotency-Key': newKey() }, body: clean(v) as never })),
    onSuccess: (_u, v) => {
      notify.ok(`已创建用户 ${String(v.username)}`);
      form.resetFields();
      setError(null);
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: setError,
  });
  return (
    <>
      <Typography.Title level={2}>用户</Typography.Title>
      <Card title="创建用户" size="small" style={{ marginBottom: 16 }}>
        <ErrorAlert error={error} />
        <RoleForm
          form={form}
          onFinish={(v) => create.mutate(v)}
          busy={create.isPending}
          extra={
            <>
              <Form.Item
                label="用户名"
                name="username"
                rules={[{ required: true, pattern: /^[A-Za-z0-9._@-]{3,64}$/, message: '3 至 64 位字母、数字或 . _ @ -' }]}
              >
                <Input autoComplete="off" />
              </Form.Item>
              <Form.Item label="初始密码" name="password" rules={[{ required: true, min: 12, message: '至少 12 个字符' }]}>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
            </>
          }
          submit="创建用户"
        />
      </Card>
      <ErrorAlert error={list.error} />
      <Table<UserRow>
        size="small"
        rowKey="id"
        loading={list.isFetching}
        dataSource={users}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: '用户名', dataIndex: 'username' },
          { title: '角色', dataIndex: 'role', render: (v: string) => label(ROLES, v) },
          {
            title: '纳税人',
            dataIndex: 'taxpayerId',
            render: (v: string | null, u) =>
              v ? (
                <span>
                  {names.get(v) ?? ''} <Typography.Text type="secondary">{v}</Typography.Text>
                </span>
              ) : u.role === 'auditor' ? (
                '全部纳税人'
              ) : (
                ''
              ),
          },
          { title: '创建时间', dataIndex: 'createdAt', render: (v: string) => beijing(v) },
          {
            title: '状态',
            key: 'state',
            render: (_: unknown, u) => {
              const s = userState(u);
              return <Tag color={s.tone}>{s.text}</Tag>;
            },
          },
          {
            title: '操作',
            key: 'actions',
            render: (_: unknown, u) =>
              u.hasPassword && (
                <Popconfirm
                  title={`使 ${u.username} 在所有设备上退出登录？`}
                  description="其登录中的会话全部失效，需重新登录；API 密钥不受影响。"
                  okText="强制下线"
                  cancelText="取消"
                  onConfirm={() => signOut.mutateAsync(u)}
                >
                  <Button size="small" danger>
                    强制下线
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      {list.hasNextPage && (
        <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} style={{ marginTop: 8 }}>
          加载更多
        </Button>
      )}
    </>
  );
}

function RoleForm({
  form,
  onFinish,
  busy,
  extra,
  submit,
}: {
  form: FormInstance;
  onFinish: (v: Record<string, unknown>) => void;
  busy: boolean;
  extra: React.ReactNode;
  submit: string;
}) {
  const role = Form.useWatch('role', form);
  return (
    <Form form={form} layout="inline" initialValues={{ role: 'taxpayer' }} onFinish={(v) => onFinish(v as Record<string, unknown>)} style={{ rowGap: 8 }}>
      {extra}
      <Form.Item label="角色" name="role">
        <Select style={{ width: 150 }} options={opts(ROLES)} />
      </Form.Item>
      {(role === 'taxpayer' || role === 'auditor') && (
        <Form.Item label="纳税人识别号" name="taxpayerId" rules={[{ required: role === 'taxpayer', len: 18, message: '18 位统一社会信用代码' }]}>
          <Input style={{ width: 200 }} placeholder={role === 'auditor' ? '不填为全部纳税人' : ''} />
        </Form.Item>
      )}
      <Button type="primary" htmlType="submit" loading={busy}>
        {submit}
      </Button>
    </Form>
  );
}

/** API keys: the token shown once with a copy button; revocation. */
function ApiKeys() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['api-keys'],
    queryFn: () => ok<Page<Created & { revokedAt: string | null }>>(client.GET('/v1/api-keys', { params: { query: { limit: '500' } as never } })),
  });
  const keys: Created[] = (list.data?.items ?? []).map((k) => ({ ...k, revoked: k.revokedAt !== null }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
  const [shown, setShown] = useState<Created | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm();
  const create = useMutation({
    mutationFn: (v: Record<string, unknown>) => ok<Created>(client.POST('/v1/api-keys', { headers: { 'Idempotency-Key': newKey() }, body: clean(v) as never })),
    onSuccess: (k, v) => {
      setShown(k);
      setCopied(false);
      void v;
      refresh();
      form.resetFields();
      setError(null);
    },
    onError: setError,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => ok(client.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      notify.ok('已吊销');
      refresh();
    },
    onError: notify.fail,
  });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown!.token!);
      setCopied(true);
    } catch {
      notify.fail(new Error('浏览器不允许写入剪贴板，请手动选中复制'));
    }
  };
  return (
    <>
      <Typography.Title level={2}>API 密钥</Typography.Title>
      <Card title="创建 API 密钥" size="small" style={{ marginBottom: 16 }}>
        <ErrorAlert error={error} />
        <RoleForm
          form={form}
          onFinish={(v) => create.mutate(v)}
          busy={create.isPending}
          submit="创建密钥"
          extra={
            <Form.Item label="名称" name="name" rules={[{ required: true, message: '如 “ERP 生产环境”' }]}>
              <Input />
            </Form.Item>
          }
        />
      </Card>
      <Table<Created>
        size="small"
        rowKey="id"
        dataSource={keys}
        pagination={false}
        loading={list.isFetching}
        columns={[
          { title: '名称', dataIndex: 'name' },
          { title: '编号', dataIndex: 'id' },
          { title: '角色', dataIndex: 'role', render: (v: string) => label(ROLES, v) },
          { title: '纳税人', dataIndex: 'taxpayerId' },
          { title: '创建时间', dataIndex: 'createdAt', render: (v?: string) => beijing(v) },
          { title: '状态', dataIndex: 'revoked', render: (v?: boolean) => (v ? <Tag>已吊销</Tag> : <Tag color="green">有效</Tag>) },
          {
            title: '操作',
            render: (_: unknown, k) =>
              !k.revoked && (
                <Button danger size="small" onClick={() => revoke.mutate(k.id)}>
                  吊销
                </Button>
              ),
          },
        ]}
      />
      <RevokeById onRevoke={(id) => revoke.mutate(id)} />
      <Modal
        open={shown !== null}
        title="API 密钥已创建"
        closable={false}
        maskClosable={false}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setShown(null)}>
            我已保存，关闭
          </Button>
        }
      >
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message="密钥只显示这一次，关闭后无法再次查看。请立即复制并妥善保存。" />
        <Space.Compact style={{ width: '100%' }}>
          <Input readOnly value={shown?.token ?? ''} aria-label="API 密钥" data-testid="api-token" />
          <Button onClick={() => void copy()}>{copied ? '已复制' : '复制'}</Button>
        </Space.Compact>
      </Modal>
    </>
  );
}

function RevokeById({ onRevoke }: { onRevoke: (id: string) => void }) {
  const [id, setId] = useState('');
  return (
    <Space style={{ marginTop: 16 }}>
      <Input aria-label="密钥编号" placeholder="按编号吊销密钥" value={id} onChange={(e) => setId(e.target.value)} style={{ width: 360 }} />
      <Button danger disabled={!/^[0-9a-f-]{36}$/.test(id.trim())} onClick={() => onRevoke(id.trim())}>
        吊销
      </Button>
    </Space>
  );
}
