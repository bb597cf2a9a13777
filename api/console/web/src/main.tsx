// The console's shell: the key (sessionStorage, this tab only; never in the URL), who it is
// (viewer) and the program's formats (locale, currency, time zone), and a hash router
// (#/page/argument) that renders one page at a time into <main>. An auditor key gets every
// page read-only: the write controls are hidden, and the API refuses writes anyway.

import './console.css';
import 'uplot/dist/uPlot.min.css';
import type { ComponentType } from 'preact';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, gql, storedKey, storeKey } from './api';
import { graphql } from './gql';
import { DEFAULT_PROGRAM, Formats, FormatsContext } from './format';
import { ShellContext } from './ui';
import type { Viewer } from './ui';
import { Overview } from './pages/overview';
import { Rules } from './pages/rules';
import { Campaigns } from './pages/campaigns';
import { Catalog } from './pages/catalog';
import { ProgramPage } from './pages/program';
import { Members } from './pages/members';
import { Transactions } from './pages/transactions';
import { Referrals } from './pages/referrals';
import { Imports } from './pages/imports';
import { Operations } from './pages/operations';

type PageProps = { arg: string };
const PAGES: [string, string, ComponentType<PageProps>][] = [
  ['overview', 'Overview', Overview],
  ['rules', 'Earning rules', Rules],
  ['campaigns', 'Campaigns', Campaigns],
  ['catalog', 'Tiers & rewards', Catalog],
  ['program', 'Program', ProgramPage],
  ['members', 'Members', Members],
  ['transactions', 'Transactions', Transactions],
  ['referrals', 'Referrals', Referrals],
  ['imports', 'Import', Imports],
  ['operations', 'Operations', Operations],
];

const WHO = graphql(`query Who { viewer { role memberId } loyaltyProgram { locale currency timeZone } }`);

function route(): { name: string; arg: string } {
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  const known = PAGES.some(([n]) => n === name);
  return { name: known ? name : 'overview', arg: known ? rest.map(decodeURIComponent).join('/') : '' };
}

function App() {
  const [where, setWhere] = useState(route());
  const [key, setKey] = useState(storedKey());
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [who, setWho] = useState(key ? 'checking…' : 'no key');
  const [refused, setRefused] = useState<ApiError | null>(null);
  const [formats, setFormats] = useState(new Formats(DEFAULT_PROGRAM));
  // A notice belongs to the page it was given on (or to the one an action goes to next).
  const [notice, setNotice] = useState({ text: '', hash: '' });
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');
  const [menu, setMenu] = useState(false);

  useEffect(() => {
    const changed = () => {
      const next = route();
      // Only a new page (or argument) loads again; #/ and #/overview are the same page.
      setWhere((now) => {
        if (now.name === next.name && now.arg === next.arg) return now;
        setState('loading');
        return next;
      });
      setMenu(false);
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);

  useEffect(() => {
    setViewer(null);
    setRefused(null);
    if (!key) { setWho('no key'); setState('ready'); return; }
    setWho('checking…');
    setState('loading');
    gql(WHO).then((d) => {
      setViewer(d.viewer);
      setWho(d.viewer.role.toLowerCase());
      setFormats(new Formats(d.loyaltyProgram));
      document.documentElement.lang = d.loyaltyProgram.locale;
    }, (e) => {
      setWho(e instanceof ApiError ? `key refused (${e.code})` : 'the service does not answer');
      setRefused(e instanceof ApiError ? e : new ApiError(String(e), 'NETWORK'));
      setState('error');
    });
  }, [key]);

  const readonly = !viewer || viewer.role !== 'ADMIN';
  useEffect(() => { document.body.classList.toggle('readonly', !!viewer && readonly); }, [viewer, readonly]);
  const shell = useMemo(() => ({
    viewer, readonly, setState,
    notice: (text: string, hash?: string) => setNotice({ text, hash: hash ?? location.hash }),
  }), [viewer, readonly]);
  const Page = (PAGES.find(([n]) => n === where.name) || PAGES[0])[2];

  const submitKey = (event: Event) => {
    event.preventDefault();
    const field = (event.target as HTMLFormElement).elements.namedItem('key') as HTMLInputElement;
    storeKey(field.value.trim());
    field.value = '';
    setKey(storedKey());
  };
  const forget = () => { storeKey(''); setKey(''); };

  let content;
  if (!key) {
    content = (
      <section>
        <h2>Sign in</h2>
        <p>Type an admin key (or an auditor key for a read-only view) above.</p>
      </section>
    );
  } else if (refused) {
    content = <section><h2>This page could not load</h2><p class="error" role="alert">{refused.code}: {refused.message}</p></section>;
  } else if (!viewer) {
    content = <p class="muted" role="status">Checking the key…</p>;
  } else {
    content = <Page key={where.name + '/' + where.arg} arg={where.arg} />;
  }

  return (
    <ShellContext.Provider value={shell}>
      <FormatsContext.Provider value={formats}>
        <a class="skip" href="#page" onClick={(e) => { e.preventDefault(); document.getElementById('page')?.focus(); }}>Skip to the page</a>
        <header>
          <div class="brand">
            <h1>Loyalty console</h1>
            <button type="button" class="menu" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu(!menu)}>Menu</button>
          </div>
          <nav id="nav" aria-label="Pages" class={menu ? 'open' : undefined}>
            {PAGES.map(([name, title]) => (
              <a key={name} href={'#/' + name} class={where.name === name ? 'current' : undefined}
                aria-current={where.name === name ? 'page' : undefined}>{title}</a>
            ))}
          </nav>
          <form id="key-form" autocomplete="off" onSubmit={submitKey}>
            <label for="key">API key</label>
            <input id="key" type="password" name="key" placeholder="lk_…" size={18} autocomplete="off" />
            <button type="submit">Use key</button>
            <button type="button" id="forget" onClick={forget}>Forget</button>
            <span id="who" aria-live="polite">{who}</span>
          </form>
        </header>
        <div id="notice" role="status" aria-live="polite">{notice.hash === location.hash ? notice.text : ''}</div>
        <main id="page" tabIndex={-1} data-page={where.name} data-state={!key ? 'ready' : refused ? 'error' : state}
          aria-busy={key && !refused && state === 'loading' ? true : undefined}>
          {content}
        </main>
      </FormatsContext.Provider>
    </ShellContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
