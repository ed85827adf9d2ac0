// Minimal start page until the web shell lands: shows the server version,
// the loaded plugins and the live connection state (live.js).
import { live } from './live.js';

const $ = (id) => document.getElementById(id);

async function load() {
  const v = await (await fetch('/api/v1')).json();
  $('version').textContent = `${v.name} ${v.version}`;
  const { plugins } = await (await fetch('/api/v1/plugins')).json();
  $('plugins').replaceChildren(...plugins.map((p) => {
    const li = document.createElement('li');
    li.textContent = `${p.name} ${p.version}: ${p.description}`;
    return li;
  }));
}

live.onState((state) => { $('live').textContent = state; });
live.start();
load().catch((e) => { $('version').textContent = String(e); });
