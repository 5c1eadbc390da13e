/**
 * The console's pages, in navigation order. Each names the least role that may open it (the server checks
 * again), the first hash path part it answers to, and its component, which gets the current route.
 * Add a page here and it appears in the navigation for the roles that may use it.
 */
import type { FunctionComponent } from 'preact';
import type { Route } from '../router';
import type { Role, User } from '../session';

export interface PageProps {
  route: Route;
  user: User;
}

export interface PageDef {
  /** First part of the hash path: `#/messages/42` → 'messages'. */
  path: string;
  title: string;
  role: Role;
  component: FunctionComponent<PageProps>;
}

export const PAGES: PageDef[] = [];
