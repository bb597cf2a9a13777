// The console's shell: the key (sessionStorage, this tab only; never in the URL), who it is
// (viewer), and a hash router (#/page/argument) that renders one page at a time into <main>.
// An auditor key gets every page read-only (the write controls are hidden, and the API
// refuses writes anyway).

import { ApiError, gql, h, notice, storeKey, storedKey } from './ui.js';
import * as overview from './pages/overview.js';
import * as rules from './pages/rules.js';
import * as campaigns from './pages/campaigns.js';
import * as catalog from './pages/catalog.js';
import * as program from './pages/program.js';
import * as members from './pages/members.js';
import * as transactions from './pages/transactions.js';
import * as referrals from './pages/referrals.js';
import * as imports from './pages/imports.js';
import * as operations from './pages/operations.js';

const PAGES = { overview, rules, campaigns, catalog, program, members, transactions, referrals, imports, operations };
const main = document.getElementById('page');
let viewer = null;

async function whoAmI() {
  const who = document.getElementById('who');
  viewer = null;
  document.body.classList.remove('readonly');
  if (!storedKey()) { who.textContent = 'no key'; return; }
  try {
    viewer = (await gql('{ viewer { role memberId } }')).viewer;
  } catch (e) {
    who.textContent = e instanceof ApiError ? `key refused (${e.code})` : 'the service does not answer';
    return;
  }
  who.textContent = viewer.role.toLowerCase() === 'admin' ? 'admin' : viewer.role.toLowerCase();
  if (viewer.role !== 'ADMIN') document.body.classList.add('readonly');
}

function route() {
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  return { name: PAGES[name] ? name : 'overview', arg: rest.map(decodeURIComponent).join('/') };
}

async function render() {
  const { name, arg } = route();
  for (const link of document.querySelectorAll('#nav a')) {
    link.classList.toggle('current', link.getAttribute('href') === '#/' + name);
  }
  notice('');
  main.dataset.page = name;
  main.dataset.state = 'loading';
  if (!storedKey()) {
    main.replaceChildren(h('section', {}, h('h2', {}, 'Sign in'),
      h('p', {}, 'Type an admin key (or an auditor key for a read-only view) above.')));
    main.dataset.state = 'ready';
    return;
  }
  try {
    const content = await PAGES[name].render({ arg, viewer, refresh: render });
    main.replaceChildren(content);
    main.dataset.state = 'ready';
  } catch (e) {
    const message = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
    main.replaceChildren(h('section', {}, h('h2', {}, 'This page could not load'), h('p', { class: 'error' }, message)));
    main.dataset.state = 'error';
  }
}

document.getElementById('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = document.getElementById('key');
  storeKey(field.value.trim());
  field.value = '';
  await whoAmI();
  await render();
});
document.getElementById('forget').addEventListener('click', async () => {
  storeKey('');
  await whoAmI();
  await render();
});
window.addEventListener('hashchange', render);
whoAmI().then(render);
