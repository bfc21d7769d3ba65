/** Who is looking at a dashboard page: enough to choose what to render, nothing secret. */
export interface DashUser {
  id: number;
  username: string;
  role: 'admin' | 'viewer';
  /** Per-session CSRF token; HTMX sends it back as `x-csrf-token` on every state change. */
  csrfToken: string;
}

export type NavKey = 'usage' | 'monitor' | 'logs' | 'clients' | 'teams' | 'providers' | 'models' | 'groups' | 'users';

export const isAdmin = (u: DashUser | null | undefined): boolean => u?.role === 'admin';
