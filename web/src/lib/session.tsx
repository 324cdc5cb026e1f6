/** Who is signed in (GET /v1/auth/me with the session cookie), sign-in and sign-out, and the
 * expired session: the console shows the sign-in form over the page, so what the user was
 * typing stays (issue 12, "a session that expires returns to sign-in without losing ..."). */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { auth, client, ok } from '../api/client';
import { ledgerQuery, quotaQuery } from '../api/queries';
import type { Me } from '../api/types';
import { beijingMonth } from './format';

type Session = {
  me: Me | null;
  loading: boolean;
  expired: boolean;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
};

const SessionContext = createContext<Session | null>(null);

type SignedIn = { csrfToken?: string; token?: string; user?: Partial<Me> & { username?: string } };

function normalise(me: Record<string, unknown>, username?: string): Me {
  const user = (me.user ?? me) as Record<string, unknown>;
  return {
    id: user.id as string | undefined,
    kind: user.kind as string | undefined,
    username: (user.username as string | undefined) ?? username,
    role: user.role as Me['role'],
    taxpayerId: (user.taxpayerId as string | null | undefined) ?? null,
  };
}

/** Who is signed in, asked once as the bundle loads (main.tsx calls this before React's first
 * render). A taxpayer opening the home page also gets its quota and ledger asked for as soon as
 * the answer names it, while the shell renders (home page usable sooner on a cold start: issue 12);
 * the home page then reads the same queries. */
let firstMe: Promise<Record<string, unknown>> | null = null;
export function beginSession(queryClient: QueryClient): void {
  firstMe = ok<Record<string, unknown>>(client.GET('/v1/auth/me'));
  firstMe
    .then((data) => {
      const who = normalise(data);
      if (who.role === 'taxpayer' && who.taxpayerId && location.pathname === '/') {
        void queryClient.prefetchQuery(quotaQuery(who.taxpayerId));
        void queryClient.prefetchQuery(ledgerQuery(who.taxpayerId, beijingMonth()));
      }
    })
    .catch(() => undefined);
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const [expired, setExpired] = useState(false);
  const queryClient = useQueryClient();

  useEffect(() => {
    auth.onExpired = () => setExpired(true);
    let live = true;
    (async () => {
      try {
        const data = await (firstMe ?? ok<Record<string, unknown>>(client.GET('/v1/auth/me')));
        firstMe = null;
        if (!live) return;
        if (typeof data.csrfToken === 'string') auth.csrfToken = data.csrfToken;
        setMe(normalise(data));
      } catch {
        // not signed in
      } finally {
        if (live) setLoading(false);
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const data = await ok<SignedIn>(
        client.POST('/v1/auth/sessions', { params: { header: { 'x-einvoice-client': 'console' } }, body: { username, password } }),
      );
      auth.csrfToken = data.csrfToken ?? null;
      // Only a service without cookie sessions answers a token to the console: kept in memory.
      auth.bearer = data.csrfToken ? null : (data.token ?? null);
      let who: Me;
      if (data.user?.role) who = normalise(data as Record<string, unknown>, username);
      else who = normalise(await ok<Record<string, unknown>>(client.GET('/v1/auth/me')), username);
      const wasExpired = expired;
      setMe((prev) => {
        if (prev && prev.username && who.username && prev.username !== who.username) queryClient.clear();
        return who;
      });
      setExpired(false);
      if (wasExpired) void queryClient.invalidateQueries();
    },
    [expired, queryClient],
  );

  const signOut = useCallback(async () => {
    try {
      await client.DELETE('/v1/auth/sessions/current');
    } finally {
      auth.csrfToken = null;
      auth.bearer = null;
      queryClient.clear();
      setMe(null);
      setExpired(false);
    }
  }, [queryClient]);

  const value = useMemo(() => ({ me, loading, expired, signIn, signOut }), [me, loading, expired, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user (pages render only inside the signed-in shell). */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('not signed in');
  return me;
}
