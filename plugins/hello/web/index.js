// UI module of the example plugin "hello": the model for plugin authors.
//
// The shell imports this file (its URL is listed by GET /api/v1/plugins,
// registered in hello.c with ui_add(self, "index.js")) and calls the default
// export with `nb`, its registration API (docs/plugin-guide.md, "UI
// modules"). Everything a plugin UI needs comes through `nb`: Preact via
// nb.html and nb.hooks, requests via nb.api, live events via nb.live,
// messages via nb.t. Import nothing from the shell's own files.
//
// What it adds:
//   - a navigation entry "Hello" and a page /hello listing the greetings
//     (GET /api/v1/hello/greetings) with a form to add one (POST …);
//   - a dashboard card "Waves": wave to the neighbourhood
//     (POST /api/v1/n/<hood>/hello/waves) and see everyone's waves arrive
//     live (topic "hello", event hello.waved);
//   - its waves in the dashboard's "what is new" feed.

const messages = {
  de: {
    'hello.nav': 'Hallo',
    'hello.title': 'Grüße aus der Nachbarschaft',
    'hello.lead': 'Kurze öffentliche Grüße zwischen Nachbarn.',
    'hello.name': 'Von',
    'hello.message': 'Gruß',
    'hello.send': 'Gruß senden',
    'hello.sent': 'Danke, Ihr Gruß ist da.',
    'hello.none': 'Noch keine Grüße. Schreiben Sie den ersten!',
    'hello.listTitle': 'Bisherige Grüße',
    'hello.card': 'Winken',
    'hello.wave': 'Nachricht',
    'hello.waveHint': 'Alle in der Nachbarschaft sehen sie sofort.',
    'hello.private': 'Nur für meinen Betrieb und die Coaches',
    'hello.waveSend': 'Winken',
    'hello.noWaves': 'Noch hat niemand gewinkt, seit Sie hier sind.',
    'hello.privateMark': '(privat)',
    'hello.feed': '{from} winkt: „{message}“',
  },
  en: {
    'hello.nav': 'Hello',
    'hello.title': 'Greetings from the neighbourhood',
    'hello.lead': 'Short public greetings between neighbours.',
    'hello.name': 'From',
    'hello.message': 'Greeting',
    'hello.send': 'Send greeting',
    'hello.sent': 'Thank you, your greeting is up.',
    'hello.none': 'No greetings yet. Write the first one!',
    'hello.listTitle': 'Greetings so far',
    'hello.card': 'Waves',
    'hello.wave': 'Message',
    'hello.waveHint': 'Everyone in the neighbourhood sees it at once.',
    'hello.private': 'Only for my firm and the coaches',
    'hello.waveSend': 'Wave',
    'hello.noWaves': 'Nobody has waved since you arrived.',
    'hello.privateMark': '(private)',
    'hello.feed': '{from} waves: "{message}"',
  },
};

export default function register(nb) {
  const { html, t, ui } = nb;
  const { useState, useEffect } = nb.hooks;
  const { Field, Button, ErrorText, Empty } = ui;

  nb.addMessages(messages);

  // A page: GET the list, POST a new greeting. Errors appear next to the
  // field the server names (error.field); the form keeps its text on failure.
  function GreetingsPage() {
    const [items, setItems] = useState(null);
    const [loadError, setLoadError] = useState(null);
    const [form, setForm] = useState(() => ({ name: nb.ctx().me.display_name, message: '' }));
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const [sent, setSent] = useState(null);

    const load = () => nb.api('GET', '/api/v1/hello/greetings').then((r) => setItems(r.items), setLoadError);
    useEffect(() => { load(); }, []);

    const submit = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        const row = await nb.api('POST', '/api/v1/hello/greetings', form);
        setSent(row.id);
        setForm({ ...form, message: '' });
        await load();
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };

    return html`<h1>${t('hello.title')}</h1>
      <p class="lead">${t('hello.lead')}</p>
      <form onSubmit=${submit} novalidate>
        <${Field} label=${t('hello.name')} name="name" required maxlength="80" value=${form.name}
          onInput=${(v) => setForm({ ...form, name: v })} error=${error} />
        <${Field} label=${t('hello.message')} name="message" type="textarea" rows="3" required maxlength="500"
          value=${form.message} onInput=${(v) => setForm({ ...form, message: v })} error=${error} />
        <${ErrorText} error=${error} fields=${['name', 'message']} />
        <${Button} kind="primary" type="submit" busy=${busy}>${t('hello.send')}<//>
        ${sent && html`<p class="notice" role="status">${t('hello.sent')}</p>`}
      </form>
      <h2>${t('hello.listTitle')}</h2>
      <${ErrorText} error=${loadError} />
      ${items && (items.length === 0 ? html`<${Empty}>${t('hello.none')}<//>` : html`<ul class="feed hello-greetings">
        ${items.map((g) => html`<li key=${g.id} class=${g.id === sent ? 'nb-fresh' : ''}>
          <span><strong>${g.name}</strong>: ${g.message}</span>
          <time datetime=${g.created_at}>${nb.fmt.dateTime(g.created_at)}</time>
        </li>`)}
      </ul>`)}`;
  }

  // A dashboard card: a form to wave, and the waves of everyone, live.
  // nb.live.subscribe replays what this page missed and returns the
  // function that stops listening: return it from the effect.
  function WavesCard() {
    const [waves, setWaves] = useState([]);
    const [message, setMessage] = useState('');
    const [priv, setPriv] = useState(false);
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const hasFirm = nb.ctx().hood.firms.length > 0;

    useEffect(() => nb.live.subscribe('hello', (event) => {
      if (event.type !== 'hello.waved') return;
      setWaves((old) => [{ ...event.data, eventId: event.id, ts: event.ts }, ...old].slice(0, 10));
    }), []);

    const wave = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        // A relative path: /api/v1/n/<current hood>/hello/waves
        await nb.api('POST', 'hello/waves', { message, private: priv });
        setMessage(''); // our own wave arrives through the live event
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };

    return html`<form onSubmit=${wave} novalidate>
        <${Field} label=${t('hello.wave')} name="message" required maxlength="280" value=${message}
          onInput=${setMessage} error=${error} hint=${t('hello.waveHint')} />
        ${hasFirm && html`<${Field} type="checkbox" label=${t('hello.private')} name="private"
          value=${priv} onInput=${setPriv} error=${error} />`}
        <${ErrorText} error=${error} fields=${['message', 'private']} />
        <${Button} kind="primary" type="submit" busy=${busy}>${t('hello.waveSend')}<//>
      </form>
      ${waves.length === 0 ? html`<${Empty}>${t('hello.noWaves')}<//>` : html`<ul class="feed hello-waves" aria-live="polite">
        ${waves.map((w) => html`<li key=${w.eventId} class="nb-fresh">
          <span><strong>${w.from}</strong>: ${w.message} ${w.private ? t('hello.privateMark') : ''}</span>
          <time datetime=${w.ts}>${nb.fmt.time(w.ts)}</time>
        </li>`)}
      </ul>`}`;
  }

  nb.nav({ id: 'hello', label: 'hello.nav', path: '/hello', order: 90 });
  nb.page({ path: '/hello', component: GreetingsPage });
  nb.card({ id: 'waves', title: 'hello.card', component: WavesCard, order: 90 });
  nb.feed({
    topics: ['hello'],
    text: (event) => t('hello.feed', event.data),
  });
}
