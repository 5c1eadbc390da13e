/**
 * The console's pages, in navigation order. Each names the least role that may open it (the server checks
 * again), the first hash path part it answers to, and its component, which gets the current route.
 * Add a page here and it appears in the navigation for the roles that may use it.
 */
import type { FunctionComponent } from 'preact';
import type { Route } from '../router';
import type { Role, User } from '../session';
import { AdminPage } from './admin';
import { BatchesPage } from './batches';
import { ClaimsPage } from './claims';
import { MappingsPage } from './mappings';
import { RemittancesPage } from './remittances';
import { ReportsPage } from './reports';
import { DashboardPage } from './dashboard';
import { DeadLettersPage } from './dead-letters';
import { EligibilityPage } from './eligibility';
import { MessagesPage } from './messages';

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

export const PAGES: PageDef[] = [
  // Operations: dashboard, message browser, dead letters. The dashboard is the home page (app.tsx).
  { path: 'dashboard', title: 'Dashboard', role: 'viewer', component: DashboardPage },
  { path: 'messages', title: 'Messages', role: 'viewer', component: MessagesPage },
  { path: 'dead-letters', title: 'Dead letters', role: 'operator', component: DeadLettersPage },
  // Mappings, billing and administration.
  { path: 'mappings', title: 'Mappings', role: 'operator', component: MappingsPage },
  { path: 'claims', title: 'Claims', role: 'viewer', component: ClaimsPage },
  { path: 'batches', title: 'Batches', role: 'billing', component: BatchesPage },
  { path: 'remittances', title: 'Remittances', role: 'billing', component: RemittancesPage },
  { path: 'eligibility', title: 'Eligibility', role: 'billing', component: EligibilityPage },
  { path: 'reports', title: 'Reports', role: 'billing', component: ReportsPage },
  { path: 'admin', title: 'Admin', role: 'admin', component: AdminPage },
];
