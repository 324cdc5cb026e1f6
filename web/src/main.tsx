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
import { beginSession, SessionProvider } from './lib/session';
// Ant Design's theme: its default greys for secondary text are below WCAG AA contrast (axe), so
// darker ones. A JSON file, because the build reads it too: scripts/antd-css.js bakes Ant Design's
// styles for this theme into a CSS file, so the browser does not compute them at start.
import THEME from './theme.json';

dayjs.locale('zh-cn');

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      refetchOnWindowFocus: false,
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.problem.status > 0 && error.problem.status < 500),
    },
  },
});

beginSession(queryClient);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* The router outside Ant Design's App, so links in its modals and messages work. */}
    <BrowserRouter>
      <ConfigProvider locale={zhCN} button={{ autoInsertSpace: false }} theme={THEME}>
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
