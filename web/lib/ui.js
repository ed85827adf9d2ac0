// Shared form and page pieces, used by the shell and handed to plugins as
// nb.ui so every screen looks and behaves alike:
//
//   Field     a labelled input, textarea or checkbox; shows an API error
//             whose `field` is its name right below it (and focuses it)
//   Select    a labelled <select>
//   Button    a button; `busy` disables it and says so
//   ErrorText an error that belongs to no field of the form (role=alert)
//   Empty     the text shown for an empty list
//
// Labels and texts are passed already translated (nb.t(...)).
import { html, Component, useEffect, useRef, useState } from './preact.js';
import { t } from './i18n.js';

let seq = 0;
function useId(prefix) {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}-${++seq}`;
  return ref.current;
}

/* The error a field shows: a string, or an ApiError naming this field. */
function fieldError(error, name) {
  if (!error) return null;
  if (typeof error === 'string') return error;
  const f = error.field;
  // "tags[2]" and "address.city" belong to the field "tags" / "address".
  return f && name && (f === name || f.startsWith(`${name}[`) || f.startsWith(`${name}.`)) ? error.message : null;
}

/**
 * <Field label name value onInput type? error? hint? required? .../>
 * onInput receives the new value (a string; a boolean for a checkbox).
 * type may be any input type, "textarea" or "checkbox". Other attributes
 * (autocomplete, inputmode, placeholder, maxlength, rows, readonly,
 * disabled, min, max) pass through to the control.
 */
export function Field({ label, name, value, onInput, type = 'text', error, hint, required, id, class: cls, ...rest }) {
  const auto = useId(`f-${name || 'field'}`);
  const fid = id || auto;
  const msg = fieldError(error, name);
  const ref = useRef(null);
  useEffect(() => {
    // Move to the field the server complained about, once per error.
    if (msg && error && typeof error === 'object' && !error.focused && ref.current) {
      error.focused = true;
      ref.current.focus();
    }
  }, [error]);
  const described = [hint ? `${fid}-hint` : null, msg ? `${fid}-err` : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id: fid, name, ref, required, 'aria-invalid': msg ? 'true' : undefined,
    'aria-describedby': described, ...rest,
  };
  if (type === 'checkbox') {
    return html`<div class=${`field field-check ${cls || ''}`}>
      <input type="checkbox" ...${common} checked=${!!value}
        onChange=${(e) => onInput && onInput(e.currentTarget.checked)} />
      <label for=${fid}>${label}</label>
      ${hint && html`<p class="hint" id=${`${fid}-hint`}>${hint}</p>`}
      ${msg && html`<p class="field-error" id=${`${fid}-err`} role="alert">${msg}</p>`}
    </div>`;
  }
  const control = type === 'textarea'
    ? html`<textarea ...${common} value=${value ?? ''} onInput=${(e) => onInput && onInput(e.currentTarget.value)}></textarea>`
    : html`<input type=${type} ...${common} value=${value ?? ''} onInput=${(e) => onInput && onInput(e.currentTarget.value)} />`;
  return html`<div class=${`field ${cls || ''}`}>
    <label for=${fid}>${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : null}</label>
    ${control}
    ${hint && html`<p class="hint" id=${`${fid}-hint`}>${hint}</p>`}
    ${msg && html`<p class="field-error" id=${`${fid}-err`} role="alert">${msg}</p>`}
  </div>`;
}

/** <Select label name value options=[{value, label}] onChange error? hint?/> */
export function Select({ label, name, value, options = [], onChange, error, hint, id, class: cls, ...rest }) {
  const auto = useId(`s-${name || 'select'}`);
  const fid = id || auto;
  const msg = fieldError(error, name);
  const described = [hint ? `${fid}-hint` : null, msg ? `${fid}-err` : null].filter(Boolean).join(' ') || undefined;
  return html`<div class=${`field ${cls || ''}`}>
    <label for=${fid}>${label}</label>
    <select id=${fid} name=${name} value=${value ?? ''} aria-invalid=${msg ? 'true' : undefined}
      aria-describedby=${described} onChange=${(e) => onChange && onChange(e.currentTarget.value)} ...${rest}>
      ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
    </select>
    ${hint && html`<p class="hint" id=${`${fid}-hint`}>${hint}</p>`}
    ${msg && html`<p class="field-error" id=${`${fid}-err`} role="alert">${msg}</p>`}
  </div>`;
}

/**
 * <Button kind="primary|secondary|danger|link" type="button|submit" busy? onClick?>text</Button>
 * While `busy` it is disabled and announces the busy text to screen readers.
 */
export function Button({ kind = 'secondary', type = 'button', busy, disabled, children, class: cls, ...rest }) {
  return html`<button type=${type} class=${`btn btn-${kind} ${cls || ''}`} disabled=${disabled || busy}
    aria-busy=${busy ? 'true' : undefined} ...${rest}>${children}${busy
      ? html`<span class="visually-hidden"> ${t('ui.busy')}</span>` : null}</button>`;
}

/**
 * <ErrorText error fields?=[names]/>: shows `error` (string or ApiError)
 * unless its `field` is one of `fields` (those fields show it themselves).
 */
export function ErrorText({ error, fields = [] }) {
  if (!error) return null;
  if (typeof error === 'object' && error.field && fields.some((n) => fieldError(error, n))) return null;
  const msg = typeof error === 'string' ? error : error.message;
  return html`<p class="error-text" role="alert">${msg}</p>`;
}

/** <Empty>text</Empty> or <Empty text="…"/>: the empty state of a list. */
export function Empty({ text, children }) {
  return html`<p class="empty">${text || children}</p>`;
}

// ---- shell-only pieces (not part of nb.ui) ----

/** A read-only text with a Copy button (invitation links, new tokens). */
export function CopyText({ label, value }) {
  const fid = useId('copy');
  const [copied, setCopied] = useState(false);
  const ref = useRef(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No Clipboard API (plain http on another host): select and copy.
      ref.current.select();
      document.execCommand?.('copy');
    }
    setCopied(true);
  };
  return html`<div class="field copy">
    <label for=${fid}>${label}</label>
    <div class="copy-row">
      <input id=${fid} ref=${ref} readonly value=${value} onFocus=${(e) => e.currentTarget.select()} />
      <${Button} onClick=${copy}>${t('ui.copy')}<//>
    </div>
    <p class="hint" role="status">${copied ? t('ui.copied') : ''}</p>
  </div>`;
}

/** Catches a failing (plugin) component so the rest of the page stays. */
export class Boundary extends Component {
  componentDidCatch(error) {
    console.error(`nachbar: ${this.props.name || 'a component'} failed:`, error);
    this.setState({ error });
  }

  render({ children }, { error }) {
    if (error) return html`<p class="error-text" role="alert">${t('ui.failed')}</p>`;
    return children;
  }
}

/** A list that remembers which ids arrived live, to highlight them. */
export function useFresh() {
  const [fresh, setFresh] = useState(() => new Set());
  const mark = (id) => setFresh((s) => new Set(s).add(id));
  return [(id) => (fresh.has(id) ? 'nb-fresh' : ''), mark];
}
