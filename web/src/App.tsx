import { lazy, Suspense, useMemo } from 'react';
import { Link, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { Button, Layout, Menu, Modal, Space, Spin, Tag, Typography } from 'antd';
import { useSession } from './lib/session';
import { ROLES } from './lib/format';
import { LoginForm } from './pages/Login';
import { Home } from './pages/Home';

const IssueInvoice = lazy(() => import('./pages/IssueInvoice'));
const Batch = lazy(() => import('./pages/Batch'));
const Invoices = lazy(() => import('./pages/Invoices'));
const InvoiceDetail = lazy(() => import('./pages/InvoiceDetail'));
const Slips = lazy(() => import('./pages/Slips'));
const Officer = lazy(() => import('./pages/Officer'));
const Auditor = lazy(() => import('./pages/Auditor'));
const Admin = lazy(() => import('./pages/Admin'));
const Setup = lazy(() => import('./pages/Setup'));
const Webhooks = lazy(() => import('./pages/Webhooks'));

type Item = { key: string; label: string };
const MENUS: Record<string, Item[]> = {
  taxpayer: [
    { key: '/', label: '首页' },
    { key: '/issue', label: '开具发票' },
    { key: '/batch', label: '批量开具' },
    { key: '/invoices/issued', label: '已开发票' },
    { key: '/invoices/received', label: '收票管理' },
    { key: '/slips', label: '红字确认单' },
    { key: '/webhooks', label: 'Webhook 推送' },
  ],
  tax_officer: [
    { key: '/', label: '额度申请' },
    { key: '/officer/quota', label: '纳税人额度' },
    { key: '/officer/periodic', label: '定期调整' },
    { key: '/officer/usage', label: '用途确认更正' },
    { key: '/audit', label: '审计记录' },
  ],
  auditor: [
    { key: '/', label: '数据导出' },
    { key: '/audit', label: '审计记录' },
  ],
  admin: [
    { key: '/', label: '纳税人' },
    { key: '/admin/users', label: '用户' },
    { key: '/admin/api-keys', label: 'API 密钥' },
    { key: '/webhooks', label: 'Webhook 推送' },
    { key: '/officer/applications', label: '额度申请' },
    { key: '/officer/quota', label: '纳税人额度' },
    { key: '/officer/periodic', label: '定期调整' },
    { key: '/audit', label: '审计记录' },
  ],
};

function RoleHome({ role }: { role: string }) {
  if (role === 'taxpayer') return <Home />;
  if (role === 'tax_officer') return <Officer view="applications" />;
  if (role === 'auditor') return <Auditor view="exports" />;
  return <Admin view="taxpayers" />;
}

export function App() {
  const { me, loading, expired } = useSession();
  const location = useLocation();

  if (location.pathname === '/setup') {
    return (
      <Suspense fallback={<Spin />}>
        <Setup />
      </Suspense>
    );
  }
  if (loading)
    return (
      <div className="center-page">
        <Spin size="large" />
      </div>
    );
  if (!me) return <LoginPage />;

  return (
    <>
      <Shell />
      <Modal open={expired} title="登录已失效，请重新登录" footer={null} closable={false} maskClosable={false} destroyOnHidden>
        <Typography.Paragraph type="secondary">重新登录后可继续当前页面，已填写的内容不会丢失。</Typography.Paragraph>
        <LoginForm />
      </Modal>
    </>
  );
}

function LoginPage() {
  return (
    <main className="center-page login-page">
      <div className="login-box">
        <Typography.Title level={3}>数电发票服务平台</Typography.Title>
        <Typography.Paragraph type="secondary">登录后使用开票、收票、红字确认单、额度与审计功能</Typography.Paragraph>
        <LoginForm />
        <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
          首次使用？<Link to="/setup">初始化系统管理员</Link>
        </Typography.Paragraph>
      </div>
    </main>
  );
}

function Shell() {
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const items = MENUS[me!.role] ?? [];
  const selected = useMemo(() => {
    const exact = items.find((i) => i.key === location.pathname);
    if (exact) return exact.key;
    const prefix = items.filter((i) => i.key !== '/' && location.pathname.startsWith(i.key)).sort((a, b) => b.key.length - a.key.length)[0];
    return prefix?.key ?? '';
  }, [items, location.pathname]);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={200} breakpoint="lg" collapsedWidth={0} theme="light" className="side">
        <div className="brand">数电发票服务平台</div>
        <nav aria-label="主菜单">
          <Menu mode="inline" selectedKeys={[selected]} items={items} onClick={(e) => navigate(e.key)} />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="top">
          <Space>
            <span>{me!.username ?? ''}</span>
            <Tag color="blue">{ROLES[me!.role] ?? me!.role}</Tag>
            {me!.taxpayerId && <Typography.Text type="secondary">{me!.taxpayerId}</Typography.Text>}
            <Button onClick={() => void signOut().then(() => navigate('/'))}>退出</Button>
          </Space>
        </Layout.Header>
        <Layout.Content className="content">
          <main>
            <Suspense fallback={<Spin />}>
              <Routes>
                <Route path="/" element={<RoleHome role={me!.role} />} />
                <Route path="/issue" element={<IssueInvoice />} />
                <Route path="/batch" element={<Batch />} />
                <Route path="/invoices/issued" element={<Invoices direction="issued" />} />
                <Route path="/invoices/received" element={<Invoices direction="received" />} />
                <Route path="/invoices/:number" element={<InvoiceDetail />} />
                <Route path="/slips" element={<Slips />} />
                <Route path="/officer/applications" element={<Officer view="applications" />} />
                <Route path="/officer/quota" element={<Officer view="quota" />} />
                <Route path="/officer/periodic" element={<Officer view="periodic" />} />
                <Route path="/officer/usage" element={<Officer view="usage" />} />
                <Route path="/exports" element={<Auditor view="exports" />} />
                <Route path="/audit" element={<Auditor view="audit" />} />
                <Route path="/admin/users" element={<Admin view="users" />} />
                <Route path="/admin/api-keys" element={<Admin view="api-keys" />} />
                <Route path="/webhooks" element={<Webhooks />} />
                <Route path="*" element={<Navigate to="/" replace />} />
              </Routes>
            </Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
