import { hashRoutes } from '../../shared/router.ts';

export type { Route } from '../../shared/router.ts';
export const { parseHash, href, useRoute } = hashRoutes('home');
