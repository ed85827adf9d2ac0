// UI module of the example plugin "hello". The web shell imports this file
// (listed by /api/v1/plugins) and calls register(shell) with its small
// registration API; see docs/plugin-guide.md.
export function register(shell) {
  shell?.addNav?.({ id: 'hello', label: { de: 'Hallo', en: 'Hello' }, path: '#/hello' });
}
