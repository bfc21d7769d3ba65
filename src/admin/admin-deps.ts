import type { AppContext } from '../context';

/** What admin services need; AppContext satisfies it, tests may pass less. */
export type AdminDeps = Pick<AppContext, 'db' | 'sqlite' | 'state' | 'store'>;
