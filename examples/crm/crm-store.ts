import { randomUUID } from 'node:crypto';

export interface User {
  id: string;
  name: string;
  email: string;
}
export interface Account {
  id: string;
  name: string;
  industry: string | null;
}
export interface Contact {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  accountId: string | null;
}
export interface Lead {
  id: string;
  name: string;
  email: string | null;
  company: string | null;
  status: 'NEW' | 'CONTACTED' | 'QUALIFIED' | 'CONVERTED' | 'LOST';
  /** A personal identifier the demo's audit configuration redacts. */
  taxId: string | null;
  ownerId: string | null;
}
export interface Opportunity {
  id: string;
  name: string;
  amount: number | null;
  stage: string;
  accountId: string | null;
}

/** The demo CRM's records, in memory. */
export class CrmStore {
  readonly users = new Map<string, User>();
  readonly accounts = new Map<string, Account>();
  readonly contacts = new Map<string, Contact>();
  readonly leads = new Map<string, Lead>();
  readonly opportunities = new Map<string, Opportunity>();

  constructor() {
    this.users.set('user-1', { id: 'user-1', name: 'Jane Smith', email: 'jane.smith@acme.example' });
    this.leads.set('lead-1', {
      id: 'lead-1',
      name: 'Ada Lovelace',
      email: 'ada@analytical.example',
      company: 'Analytical Engines',
      status: 'NEW',
      taxId: null,
      ownerId: 'user-1',
    });
  }

  static newId(prefix: string): string {
    return `${prefix}-${randomUUID().slice(0, 8)}`;
  }
}
