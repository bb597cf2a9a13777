// The console's GraphQL client: a typed fetch over the operations graphql-codegen generated
// (each a TypedDocumentString: the query text with its result and variables types). Why not
// urql: every page reads fresh after each change (no normalised cache to invalidate), errors
// must keep the API's typed `code` and `field`, and this is all the client the pages need.

import type { TypedDocumentString } from './gql/graphql';

const KEY_STORAGE = 'loyalty.console.key';

export function storedKey(): string {
  try { return sessionStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
}

export function storeKey(value: string): void {
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lives as long as the page */ }
}

// An error the API answered: `code` is its stable extensions.code (VALIDATION, NOT_FOUND,
// INVALID_REVISION, FORBIDDEN …), `field` the input it names (a path such as amount.currency).
export class ApiError extends Error {
  code: string;
  field: string | null;
  constructor(message: string, code?: string | null, field?: string | null) {
    super(message);
    this.code = code || 'ERROR';
    this.field = field || null;
  }
}

type Reply<T> = { data?: T; errors?: { message: string; extensions?: { code?: string; field?: string } }[] };

export async function gql<R, V>(doc: TypedDocumentString<R, V>, variables?: V): Promise<R> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = storedKey();
  if (key) headers.Authorization = 'Bearer ' + key;
  let reply: Response;
  try {
    reply = await fetch('/graphql', {
      method: 'POST', headers, body: JSON.stringify({ query: doc.toString(), variables: variables || {} }),
    });
  } catch (e) {
    throw new ApiError('the service does not answer: ' + String(e), 'NETWORK');
  }
  let body: Reply<R>;
  try { body = await reply.json(); } catch {
    throw new ApiError('the service answered HTTP ' + reply.status, 'HTTP_' + reply.status);
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const ext = first.extensions || {};
    throw new ApiError(first.message, ext.code, ext.field);
  }
  return body.data as R;
}

function authHeaders(): Record<string, string> {
  return { Authorization: 'Bearer ' + storedKey() };
}

// A file from the API (exports), fetched with the key and handed to the browser as a download.
export async function download(path: string, filename: string): Promise<number> {
  const reply = await fetch(path, { headers: authHeaders() });
  if (!reply.ok) {
    let message = 'HTTP ' + reply.status;
    try { const body = await reply.json(); message = (body.error && body.error.message) || message; } catch { /* not JSON */ }
    throw new ApiError(message, 'HTTP_' + reply.status);
  }
  const blob = await reply.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  return blob.size;
}

export type ImportAnswer = {
  error?: { code: string; message: string; field?: string };
  report?: { rows: number; valid: number; errors: number; balance: number; wallets: number };
  errorItems?: { row: number; field: string; reason: string }[];
  errorsUrl?: string;
  job?: { id: string; state: string };
};

// POST /import (api/imports.py): multipart upload, validated whole before anything is stored.
export async function uploadImport(file: File, dryRun: boolean): Promise<ImportAnswer> {
  const body = new FormData();
  body.append('file', file, file.name);
  const reply = await fetch(`/import?dryRun=${dryRun ? 'true' : 'false'}`, { method: 'POST', headers: authHeaders(), body });
  try { return (await reply.json()) as ImportAnswer; } catch {
    return { error: { code: 'HTTP_' + reply.status, message: 'the service answered HTTP ' + reply.status } };
  }
}

export function idempotencyKey(prefix: string): string {
  const random = new Uint8Array(8);
  crypto.getRandomValues(random);
  return prefix + '-' + Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
}
