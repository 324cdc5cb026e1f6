import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { ApiError } from './lib/problems';
import { App } from './App';
import './styles.css';
import { SessionProvider } from './lib/session';

dayjs.locale('zh-cn');

/** Ant Design's default greys for secondary text are below WCAG AA contrast (axe): darker ones. */
const THEME = {
  colorPrimary: '#1456c4',
  colorLink: '#1456c4',
  borderRadius: 4,
  colorTextSecondary: '#595959',
  colorTextDescription: '#595959',
  colorTextTertiary: '#595959',
  colorTextPlaceholder: '#737373',
  colorError: '#c41d1d',
};

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.problem.status > 0 && error.problem.status < 500),
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* The router outside Ant Design's App, so links in its modals and messages work. */}
    <BrowserRouter>
      <ConfigProvider locale={zhCN} button={{ autoInsertSpace: false }} theme={{ token: THEME }}>
        <AntApp>
          <QueryClientProvider client={queryClient}>
            <SessionProvider>
              <App />
            </SessionProvider>
          </QueryClientProvider>
        </AntApp>
      </ConfigProvider>
    </BrowserRouter>
  </StrictMode>,
);
