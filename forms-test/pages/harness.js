// What every page shares: the schema to render (named by `?schema=` in the address, served by the
// driver from loopback) and what the driver reads back: whether the form was saved, and with what.

export async function loadSchema() {
  const name = new URLSearchParams(location.search).get('schema');
  const response = await fetch(`/schemas/${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`cannot load schema ${name}: ${response.status}`);
  return response.json();
}

/** The page's state, for the driver: `saved` is the JSON the form handed to its save handler. */
export const outcome = (window.formsTest = { saves: 0, refusals: 0, saved: null });

export function saved(data) {
  outcome.saves += 1;
  outcome.saved = JSON.stringify(data);
}

export function refused() {
  outcome.refusals += 1;
}

/** Shown in the page, so that a screenshot of a failed load says why. */
export function fail(error) {
  const box = document.createElement('pre');
  box.id = 'load-error';
  box.textContent = String(error && error.stack ? error.stack : error);
  document.body.prepend(box);
  outcome.loadError = String(error);
}
