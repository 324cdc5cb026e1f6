import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Result, Spin, Typography } from 'antd';
import { loose, ok } from '../api/client';
import { ErrorAlert } from '../components/common';

/** First start: the one-time setup code printed in the service's log creates the first admin. */
export default function Setup() {
  const state = useQuery({ queryKey: ['setup'], queryFn: () => ok<{ needed: boolean }>(loose.GET('/v1/setup', {})) });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  let body;
  if (state.isLoading) body = <Spin />;
  else if (done)
    body = (
      <Result
        status="success"
        title="系统管理员已创建"
        subTitle={`请使用 ${done} 登录。`}
        extra={
          <Link to="/">
            <Button type="primary">去登录</Button>
          </Link>
        }
      />
    );
  else if (state.data && !state.data.needed)
    body = (
      <Result
        status="info"
        title="系统已初始化"
        subTitle="已有系统管理员，请直接登录。"
        extra={
          <Link to="/">
            <Button type="primary">去登录</Button>
          </Link>
        }
      />
    );
  else
    body = (
      <>
        <ErrorAlert error={state.error} />
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message="首次启动"
          description="服务启动时在日志中打印了一次性初始化码（形如 “Open http://localhost:3000/setup and enter setup code XXXX-XXXX”）。输入它并设置第一个系统管理员的用户名和密码；初始化码用后即失效。"
        />
        <Form
          layout="vertical"
          requiredMark={false}
          onFinish={async (v: { setupCode: string; username: string; password: string }) => {
            setBusy(true);
            setError(null);
            try {
              await ok(loose.POST('/v1/setup', { body: { setupCode: v.setupCode.trim(), username: v.username.trim(), password: v.password } }));
              setDone(v.username.trim());
            } catch (e) {
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          <ErrorAlert error={error} />
          <Form.Item label="初始化码" name="setupCode" rules={[{ required: true, message: '请输入日志中的初始化码' }]}>
            <Input autoComplete="one-time-code" />
          </Form.Item>
          <Form.Item label="用户名" name="username" rules={[{ required: true, pattern: /^[A-Za-z0-9._@-]{3,64}$/, message: '3 至 64 位字母、数字或 . _ @ -' }]}>
            <Input autoComplete="username" />
          </Form.Item>
          <Form.Item label="密码" name="password" rules={[{ required: true, min: 12, message: '至少 12 个字符' }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            label="确认密码"
            name="confirm"
            dependencies={['password']}
            rules={[
              { required: true, message: '请再次输入密码' },
              ({ getFieldValue }) => ({
                validator: (_r, value) => (value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error('两次输入的密码不一致'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy}>
            创建系统管理员
          </Button>
        </Form>
      </>
    );
  return (
    <main className="center-page login-page">
      <div className="login-box">
        <Typography.Title level={3}>初始化数电发票服务平台</Typography.Title>
        {body}
      </div>
    </main>
  );
}
