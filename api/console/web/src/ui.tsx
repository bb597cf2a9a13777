// Shared parts of the pages: the page's query state (loading / ready / error, reported to the
// shell's <main data-state>), sections, tables with empty states, and forms whose API errors
// are shown next to the field they name (aria-invalid + aria-describedby), or on the form.

import type { ComponentChildren, JSX } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

// ------------------------------------------------------------------- the shell's contexts

export type Viewer = { role: string; memberId?: string | null };
export type Shell = {
  viewer: Viewer | null;
  readonly: boolean;
  notice: (text: string, hash?: string) => void;
  setState: (state: 'loading' | 'ready' | 'error') => void;
};
export const ShellContext = createContext<Shell>({
  viewer: null, readonly: true, notice: () => undefined, setState: () => undefined,
});
export const useShell = (): Shell => useContext(ShellContext);

export function errorText(e: unknown): string {
  return e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
}

// The page's main read: re-run when `key` changes or on reload(); the shell's data-state
// follows it, so a test (or a screen reader, through aria-busy) knows when the page settled.
export function useLoad<T>(load: () => Promise<T>, key: string): { data: T | null; error: unknown; reload: () => void } {
  const shell = useShell();
  const [state, set] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const mine = ++latest.current;
    shell.setState('loading');
    load().then(
      (data) => { if (mine === latest.current) { set({ data, error: null }); shell.setState('ready'); } },
      (error) => { if (mine === latest.current) { set({ data: null, error }); shell.setState('error'); } },
    );
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function Loading({ what }: { what?: string }) {
  return <p class="muted loading" role="status">{what || 'Loading…'}</p>;
}

export function Failed({ error }: { error: unknown }) {
  return (
    <section>
      <h2>This page could not load</h2>
      <p class="error" role="alert">{errorText(error)}</p>
    </section>
  );
}

export function Section({ title, id, children }: { title: ComponentChildren; id?: string; children?: ComponentChildren }) {
  return <section id={id}><h2>{title}</h2>{children}</section>;
}

export function Figures({ id, items }: { id?: string; items: [string, ComponentChildren][] }) {
  return (
    <dl class="figures" id={id}>
      {items.map(([label, value]) => (
        <div class="figure" key={label}><dt>{label}</dt><dd data-figure={label}>{value}</dd></div>
      ))}
    </dl>
  );
}

// ------------------------------------------------------------------- tables

export type Column<T> = { head: string; cell: (row: T) => ComponentChildren; num?: boolean };

export function Table<T>({ columns, rows, empty, label }: { columns: Column<T>[]; rows: T[]; empty?: string; label?: string }) {
  if (!rows.length) return <p class="muted empty">{empty || 'Nothing yet.'}</p>;
  return (
    <div class="table-wrap" role="region" aria-label={label || 'table'} tabIndex={0}>
      <table>
        <thead><tr>{columns.map((c, i) => <th key={i} class={c.num ? 'num' : undefined} scope="col">{c.head || <span class="visually-hidden">Actions</span>}</th>)}</tr></thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>{columns.map((c, i) => {
              const v = c.cell(row);
              return <td key={i} class={c.num ? 'num' : undefined}>{v === null || v === undefined || v === '' ? '—' : v}</td>;
            })}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ------------------------------------------------------------------- forms

const FormErrorContext = createContext<{ error: ApiError | null; formId: string }>({ error: null, formId: '' });

function fieldOf(error: ApiError | null): string | null {
  return error && error.field ? error.field.split('.').pop() || null : null;
}

type FormProps = {
  id: string;
  class?: string;
  onSubmit: (form: HTMLFormElement) => Promise<unknown> | void;
  onReload?: () => void;
  children: ComponentChildren;
  label?: string;
};

// A form whose submit runs an API call: a typed error goes next to the field it names (or on
// the form), a stale revision (INVALID_REVISION) offers to load the current version instead.
export function ApiForm({ id, class: cls, onSubmit, onReload, children, label }: FormProps) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await onSubmit(ref.current as HTMLFormElement);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const named = fieldOf(error);
  const onField = named !== null && ref.current?.elements.namedItem(named) !== null && ref.current?.elements.namedItem(named) !== undefined;
  return (
    <form id={id} ref={ref} class={'edit ' + (cls || '')} onSubmit={submit} aria-busy={busy} aria-label={label} noValidate>
      <FormErrorContext.Provider value={{ error, formId: id }}>{children}</FormErrorContext.Provider>
      <div class="form-error wide" aria-live="polite">
        {error && error.code === 'INVALID_REVISION' ? (
          <div class="conflict" role="alert">
            Someone changed this since you opened it: {error.message}{' '}
            {onReload ? <button type="button" onClick={() => { setError(null); onReload(); }}>Load the current version</button> : null}
          </div>
        ) : error && !onField ? <p class="error" role="alert">{error.code}: {error.message}</p> : null}
      </div>
    </form>
  );
}

function useFieldError(name: string): { message: string | null; id: string } {
  const { error, formId } = useContext(FormErrorContext);
  const id = `${formId}-${name}-error`;
  return { message: error && fieldOf(error) === name && error.code !== 'INVALID_REVISION' ? `${error.code}: ${error.message}` : null, id };
}

type Common = { label: ComponentChildren; name: string; wide?: boolean; hint?: string };

function Wrap({ label, wide, message, id, hint, children }: { label: ComponentChildren; wide?: boolean; message: string | null; id: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class={wide ? 'wide' : undefined}>
      <span>{label}</span>
      {children}
      {hint ? <small class="muted">{hint}</small> : null}
      {message ? <span class="field-message error" id={id} role="alert">{message}</span> : null}
    </label>
  );
}

export function Input({ label, name, wide, hint, value, ...rest }: Common & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'label' | 'name' | 'value'> & { value?: string | number | null }) {
  const { message, id } = useFieldError(name);
  return (
    <Wrap label={label} wide={wide} message={message} id={id} hint={hint}>
      <input name={name} defaultValue={value === null || value === undefined ? '' : String(value)}
        class={message ? 'field-error' : undefined} aria-invalid={message ? true : undefined}
        aria-describedby={message ? id : undefined} {...rest} />
    </Wrap>
  );
}

export function TextArea({ label, name, wide, value, onInput }: Common & { value?: string | null; onInput?: (e: Event) => void }) {
  const { message, id } = useFieldError(name);
  return (
    <Wrap label={label} wide={wide} message={message} id={id}>
      <textarea name={name} defaultValue={value || ''} onInput={onInput} class={message ? 'field-error' : undefined}
        aria-invalid={message ? true : undefined} aria-describedby={message ? id : undefined} />
    </Wrap>
  );
}

export function Select({ label, name, wide, options, value, onChange }: Common & { options: [string, string][]; value?: string | null; onChange?: (e: Event) => void }) {
  const { message, id } = useFieldError(name);
  return (
    <Wrap label={label} wide={wide} message={message} id={id}>
      <select name={name} onChange={onChange} class={message ? 'field-error' : undefined}
        aria-invalid={message ? true : undefined} aria-describedby={message ? id : undefined}>
        {options.map(([v, text]) => <option key={v} value={v} selected={v === (value ?? '')}>{text}</option>)}
      </select>
    </Wrap>
  );
}

export function Check({ label, name, checked }: { label: ComponentChildren; name: string; checked?: boolean }) {
  return <label class="check"><input type="checkbox" name={name} defaultChecked={!!checked} /> <span>{label}</span></label>;
}

export function Submit({ children, danger }: { children: ComponentChildren; danger?: boolean }) {
  return <div class="wide actions"><button class={danger ? 'danger' : 'primary'} type="submit">{children}</button></div>;
}

// ------------------------------------------------------------------- reading a form

export function str(form: HTMLFormElement, name: string): string | null {
  const el = form.elements.namedItem(name) as HTMLInputElement | null;
  if (!el) return null;
  const v = el.value.trim();
  return v === '' ? null : v;
}

export function int(form: HTMLFormElement, name: string): number | null {
  const v = str(form, name);
  return v === null ? null : Number.parseInt(v, 10);
}

export function checked(form: HTMLFormElement, name: string): boolean {
  const el = form.elements.namedItem(name) as HTMLInputElement | null;
  return !!(el && el.checked);
}

// A button that runs one API call and says how it went in the shell's notice line.
export function useAct(after: () => void): (run: () => Promise<unknown>, done: string) => Promise<void> {
  const shell = useShell();
  return async (run, done) => {
    try { await run(); shell.notice(done); } catch (e) { shell.notice(errorText(e)); }
    after();
  };
}

export function go(hash: string): void {
  location.hash = hash;
}
