// Minimal start page until the web shell lands: shows the server version,
// the loaded plugins and whether the live connection (/ws) is up.
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

function live() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws`, 'nachbar.v1');
  ws.onopen = () => { $('live').textContent = 'live'; ws.send(JSON.stringify({ op: 'ping' })); };
  ws.onclose = () => { $('live').textContent = 'offline'; setTimeout(live, 3000); };
}

load().catch((e) => { $('version').textContent = String(e); });
live();
