// The browser test's driver: renders each config schema in each form library, in Debian's
// Chromium, and fills it as an admin does (labels found on screen, keys typed, choices picked).
// It judges nothing: it writes what happened to results.json, and xtask's test
// (xtask/src/schema/browser_tests.rs) checks that with the Rust loader.
//
//   node driver.mjs JOB.json
//
// JOB.json: { "outDir": "...", "chromium": "/usr/bin/chromium",
//             "schemas": [{ "name", "file", "admin": { "complete", "incomplete": [...] } }] }
//
// Everything is served from 127.0.0.1, and the browser is stopped from reaching anything else.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const outDir = path.resolve(job.outDir);
const started = Date.now();

// --- the pages -------------------------------------------------------------------------------

const LIBRARIES = ['rjsf', 'jsonforms'];

async function buildSite(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: here,
    entryPoints: LIBRARIES.map((lib) => `pages/${lib}.jsx`),
    bundle: true,
    outdir: dir,
    format: 'esm',
    jsx: 'automatic',
    target: 'chrome120',
    minify: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  });
  for (const lib of LIBRARIES) {
    const css = fs.existsSync(path.join(dir, `${lib}.css`))
      ? `<link rel="stylesheet" href="${lib}.css">`
      : '';
    fs.writeFileSync(
      path.join(dir, `${lib}.html`),
      `<!doctype html><html><head><meta charset="utf-8"><title>${lib}</title>` +
        `<link rel="icon" href="data:,">${css}</head>` +
        `<body><div id="app"></div><script type="module" src="${lib}.js"></script></body></html>`,
    );
  }
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

function serve(siteDir, schemas) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    let file;
    if (url.pathname.startsWith('/schemas/')) {
      const name = decodeURIComponent(url.pathname.slice('/schemas/'.length));
      file = schemas.find((schema) => schema.name === name)?.file;
    } else {
      const candidate = path.join(siteDir, path.normalize(url.pathname));
      if (candidate.startsWith(siteDir + path.sep)) file = candidate;
    }
    if (!file || !fs.existsSync(file)) {
      response.statusCode = 404;
      return response.end();
    }
    response.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    response.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// --- the schema ------------------------------------------------------------------------------

function resolve(root, schema) {
  while (schema && schema.$ref) {
    const name = schema.$ref.replace(/^#\/definitions\//, '');
    schema = root.definitions[name];
  }
  return schema;
}

// What a field is labelled on screen: its title, else its name.
const titleOf = (root, name, property) => resolve(root, property).title ?? property.title ?? name;

const isChoice = (schema) =>
  Array.isArray(schema.oneOf) && schema.oneOf.every((choice) => 'const' in choice);

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

function accepts(schema, value) {
  const types = [].concat(schema.type ?? []);
  const type = typeOf(value);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

// --- finding things on screen, as an admin does: by the text next to them ---------------------

// Runs in the page: marks the element found with data-ft="id" and returns that selector.
let marks = 0;
async function mark(handle) {
  if (!handle || !(await handle.asElement())) return null;
  const id = `m${++marks}`;
  await handle.evaluate((el, id) => el.setAttribute('data-ft', id), id);
  return `[data-ft="${id}"]`;
}

// The input, select or textarea whose label (or legend, or heading) reads `title`, within `scope`.
async function control(page, scope, title) {
  const handle = await page.evaluateHandle(
    ({ scope, title }) => {
      const root = document.querySelector(scope);
      const text = (el) => el.textContent.replace(/\s*\*\s*$/, '').trim();
      for (const label of root.querySelectorAll('label, legend')) {
        if (text(label) !== title) continue;
        let found = label.control && root.contains(label.control) ? label.control : null;
        for (let node = label; !found && node && node !== root; node = node.parentElement) {
          found = node.querySelector('input, select, textarea');
        }
        if (found) return found;
      }
      return null;
    },
    { scope, title },
  );
  const selector = await mark(handle);
  if (!selector) throw new Error(`no field labelled "${title}" in ${scope}`);
  return page.locator(selector);
}

// The first element matching `selector` within `scope` whose own `label` (a selector from it)
// reads `title`, and that holds `holding` if given.
async function labelled(page, scope, selector, label, title, holding) {
  const handle = await page.evaluateHandle(
    ({ scope, selector, label, title, holding }) =>
      [...document.querySelector(scope).querySelectorAll(selector)].find(
        (el) =>
          el.querySelector(label)?.textContent.replace(/\s*\*\s*$/, '').trim() === title &&
          (!holding || el.querySelector(holding)),
      ),
    { scope, selector, label, title, holding },
  );
  return mark(handle);
}

// The error messages on screen: each inline one with the label of its field.
async function messagesOnScreen(page, { summary, inline }) {
  return page.evaluate(
    ({ summary, inline }) => {
      const text = (el) => el.textContent.replace(/\s+/g, ' ').trim();
      const labelOf = (el) => {
        for (let node = el.parentElement; node; node = node.parentElement) {
          const label = node.querySelector(
            ':scope > label, :scope > legend, :scope > fieldset > legend, :scope h6',
          );
          if (label) return text(label).replace(/\s*\*$/, '');
        }
        return '';
      };
      const lines = [...document.querySelectorAll(summary)].map((el) => text(el));
      for (const el of document.querySelectorAll(inline)) {
        if (text(el)) lines.push(`${labelOf(el)}: ${text(el)}`);
      }
      // A form's first invalid field, by the browser's own checks (HTML `required`, `pattern`):
      // the browser refuses to submit, and points at that field with its message.
      for (const form of document.forms) {
        const invalid = form.querySelector(':invalid:not(fieldset)');
        if (invalid) lines.push(`${labelOf(invalid)}: ${invalid.validationMessage} (the browser's check)`);
      }
      return lines;
    },
    { summary, inline },
  );
}

// --- what differs between the two libraries --------------------------------------------------

const rjsf = {
  async ready(page) {
    await page.waitForSelector('form.rjsf, form', { timeout: 20000 });
  },
  // A native select: its list is drawn outside the page (no screenshot shows it), its options
  // are in the page.
  async open(page, field) {
    await field.focus();
    return (await field.locator('option').allTextContents()).filter((t) => t.trim());
  },
  async choose(page, field, title) {
    const options = await rjsf.open(page, field);
    await field.selectOption({ label: title });
    return options;
  },
  async alternative(page, scope, title, alternative) {
    // The field's group holds a select of the alternatives, which has no label of its own.
    const choice = 'select[id$="__anyof_select"]';
    const group = await labelled(page, scope, '.form-group', ':scope > label', title, choice);
    if (!group) throw new Error(`no choice of alternatives labelled "${title}"`);
    await page.locator(`${group} ${choice}`).first().selectOption({ label: alternative });
    return group;
  },
  async addItem(page, scope, title, index) {
    const array = await labelled(page, scope, 'fieldset', ':scope > legend', title);
    if (!array) throw new Error(`no list "${title}"`);
    await page.locator(`${array} > * button[title="Add"]`).last().click();
    const item = page.locator(`${array} .rjsf-array-item`).nth(index);
    await item.waitFor();
    return mark(await item.elementHandle());
  },
  async save(page) {
    await page.locator('button[type="submit"]').click();
  },
  messages: { summary: '.errors li', inline: '.error-detail li' },
};

const jsonforms = {
  async ready(page) {
    await page.getByRole('button', { name: 'Save' }).waitFor({ timeout: 20000 });
  },
  async open(page, field) {
    await field.click();
    const listbox = page.getByRole('listbox');
    await listbox.waitFor();
    return listbox.getByRole('option').allTextContents();
  },
  async choose(page, field, title) {
    await field.click();
    const listbox = page.getByRole('listbox');
    await listbox.waitFor();
    const options = await listbox.getByRole('option').allTextContents();
    await listbox.getByRole('option', { name: title, exact: true }).click();
    return options;
  },
  async alternative(page, scope, _title, alternative) {
    await page.locator(scope).getByRole('tab', { name: alternative, exact: true }).click();
    const confirm = page.getByRole('button', { name: 'Yes' });
    if (await confirm.isVisible()) await confirm.click();
    return scope;
  },
  async addItem(page, scope, title, index) {
    const add = page.locator(scope).getByRole('button', { name: `Add to ${title}`, exact: true });
    await add.click();
    const list = await add.evaluateHandle((button) => {
      let node = button;
      while (node && !node.querySelector('.MuiAccordion-root')) node = node.parentElement;
      return node;
    });
    const item = page.locator(`${await mark(list)} .MuiAccordion-root`).nth(index);
    await item.waitFor();
    const summary = item.locator('.MuiAccordionSummary-root').first();
    if ((await summary.getAttribute('aria-expanded')) !== 'true') await summary.click();
    return mark(await item.elementHandle());
  },
  async save(page) {
    await page.getByRole('button', { name: 'Save' }).click();
  },
  messages: { summary: '.save-errors li', inline: '.MuiFormHelperText-root.Mui-error' },
};

const adapters = { rjsf, jsonforms };

// --- filling a config in ---------------------------------------------------------------------

// Fills `value` into the field titled `title` within `scope`, as `schema` says it is shown.
// `fields` collects, by JSON pointer, the selector of each field filled; `choices` the labels of
// the choices each choice field offered.
async function fill(session, scope, schema, value, title, pointer) {
  const { page, lib, root } = session;
  schema = resolve(root, schema);
  if (isChoice(schema)) {
    const field = await control(page, scope, title);
    const choice = schema.oneOf.find((c) => c.const === value);
    const label = choice?.title ?? String(value);
    const offered = await lib.choose(page, field, label);
    session.choices[pointer.replace(/\/\d+\//g, '/*/')] ??= offered;
    session.fields[pointer] = field;
    return;
  }
  if (schema.anyOf) {
    const index = schema.anyOf.findIndex((alt) => accepts(resolve(root, alt), value));
    if (index < 0) throw new Error(`${pointer}: no alternative takes ${JSON.stringify(value)}`);
    const alternative = resolve(root, schema.anyOf[index]);
    const inner = await lib.alternative(page, scope, title, alternative.title ?? `${index + 1}`);
    return fill(session, inner, alternative, value, alternative.title, pointer);
  }
  if (typeOf(value) === 'object') {
    for (const name of Object.keys(schema.properties ?? {})) {
      if (!(name in value)) continue;
      const property = schema.properties[name];
      await fill(session, scope, property, value[name], titleOf(root, name, property), `${pointer}/${name}`);
    }
    const unknown = Object.keys(value).filter((name) => !(name in (schema.properties ?? {})));
    if (unknown.length) throw new Error(`${pointer}: the form has no field for ${unknown.join(', ')}`);
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const itemScope = await lib.addItem(page, scope, title, index);
      await fill(session, itemScope, schema.items, item, title, `${pointer}/${index}`);
    }
    return;
  }
  const field = await control(page, scope, title);
  session.fields[pointer] = field;
  if (typeof value === 'boolean') {
    await field.setChecked(value);
    return;
  }
  await field.click();
  await page.keyboard.press('ControlOrMeta+A');
  await field.pressSequentially(String(value));
}

async function clear(session, pointer) {
  const field = session.fields[pointer];
  if (!field) throw new Error(`${pointer} was not filled, so it cannot be cleared`);
  await field.click();
  await session.page.keyboard.press('ControlOrMeta+A');
  await session.page.keyboard.press('Backspace');
}

function without(value, pointer) {
  const copy = structuredClone(value);
  const keys = pointer.split('/').slice(1);
  const last = keys.pop();
  const parent = keys.reduce((node, key) => node[key], copy);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return copy;
}

// --- one form, one scenario ------------------------------------------------------------------

async function open(context, port, libName, schema) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(`http://127.0.0.1:${port}/${libName}.html?schema=${encodeURIComponent(schema.name)}`);
  await adapters[libName].ready(page);
  return { page, problems };
}

// Where each top-level field is on screen, in document order, and how its input shows text.
async function layout(page, root) {
  const fields = Object.entries(root.properties).map(([name, property]) => ({
    name,
    title: titleOf(root, name, property),
  }));
  return page.evaluate((fields) => {
    const text = (el) => el.textContent.replace(/\s*\*\s*$/, '').trim();
    const labels = [...document.querySelectorAll('label, legend, h6')];
    const all = [...document.querySelectorAll('*')];
    return fields.map(({ name, title }) => {
      const label = labels.find((l) => text(l) === title);
      if (!label) return { name, title, position: null };
      let input = label.control ?? null;
      for (let node = label; !input && node; node = node.parentElement) {
        input = node.querySelector('input, select, textarea');
        if (node.matches('fieldset, .MuiAccordion-root')) break;
      }
      return {
        name,
        title,
        position: all.indexOf(label),
        input: input ? input.getAttribute('type') ?? input.tagName.toLowerCase() : null,
      };
    });
  }, fields);
}

// Opens every choice an admin meets first: those at the top, then those of a new item of each
// list (its first template, say), and records what each offers. The last one stays open.
async function openChoices(session) {
  const { page, lib, root } = session;
  const open = async (scope, name, property, pointer) => {
    await page.keyboard.press('Escape');
    const field = await control(page, scope, titleOf(root, name, property));
    session.choices[pointer] = await lib.open(page, field);
  };
  for (const [name, property] of Object.entries(root.properties)) {
    if (isChoice(resolve(root, property))) await open('#app', name, property, `/${name}`);
  }
  for (const [name, property] of Object.entries(root.properties)) {
    const items = resolve(root, resolve(root, property).items ?? {});
    if (!items?.properties) continue;
    const item = await lib.addItem(page, '#app', titleOf(root, name, property), 0);
    for (const [inner, schema] of Object.entries(items.properties)) {
      if (isChoice(resolve(root, schema))) await open(item, inner, schema, `/${name}/*/${inner}`);
    }
  }
}

async function scenario(context, port, libName, schema, root, name, run) {
  const shots = path.join(outDir, 'screenshots', schema.name);
  fs.mkdirSync(shots, { recursive: true });
  const screenshot = path.join(shots, `${libName}-${name}.png`);
  const result = { library: libName, schema: schema.name, scenario: name, screenshot };
  const started = Date.now();
  const { page, problems } = await open(context, port, libName, schema);
  const session = { page, lib: adapters[libName], root, fields: {}, choices: {} };
  try {
    Object.assign(result, await run(session));
  } catch (error) {
    result.error = String(error.stack ?? error);
  }
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  result.choices = session.choices;
  result.problems = problems;
  result.ms = Date.now() - started;
  await page.close();
  return result;
}

async function saveAndRead(session) {
  const { page, lib } = session;
  // JSON Forms hands a text field's value over 300 ms after the last key, or on leaving it.
  await page.keyboard.press('Tab');
  await page.waitForTimeout(400);
  await lib.save(page);
  await page.waitForTimeout(400);
  const outcome = await page.evaluate(() => window.formsTest);
  return {
    saves: outcome.saves,
    refusals: outcome.refusals,
    saved: outcome.saved,
    messages: await messagesOnScreen(page, lib.messages),
  };
}

// --- main ------------------------------------------------------------------------------------

const siteDir = path.join(outDir, 'site');
await buildSite(siteDir);
const built = Date.now();
const server = await serve(siteDir, job.schemas);
const port = server.address().port;
const profile = fs.mkdtempSync(path.join(outDir, 'chromium-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: job.chromium ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1000, height: 900 },
});
context.setDefaultTimeout(15000);
// Loopback only: anything else the pages ask for is refused (and reported).
const refused = [];
await context.route('**/*', (route) => {
  const url = new URL(route.request().url());
  if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
  refused.push(url.href);
  return route.abort();
});

const results = [];
try {
  for (const schema of job.schemas) {
    const root = JSON.parse(fs.readFileSync(schema.file, 'utf8'));
    const { complete, incomplete } = schema.admin;
    for (const lib of LIBRARIES) {
      results.push(
        await scenario(context, port, lib, schema, root, 'empty', async ({ page }) => ({
          layout: await layout(page, root),
        })),
      );
      results.push(await scenario(context, port, lib, schema, root, 'choices', openChoices));
      results.push(
        await scenario(context, port, lib, schema, root, 'complete', async (session) => {
          await fill(session, '#app', root, complete, root.title, '');
          return saveAndRead(session);
        }),
      );
      for (const wrong of incomplete) {
        results.push(
          await scenario(context, port, lib, schema, root, wrong.case, async (session) => {
            const config = wrong.remove ? without(complete, wrong.remove) : complete;
            await fill(session, '#app', root, config, root.title, '');
            if (wrong.clear) await clear(session, wrong.clear);
            return saveAndRead(session);
          }),
        );
      }
    }
  }
} finally {
  await context.close();
  server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

const report = {
  bundleMs: built - started,
  totalMs: Date.now() - started,
  refusedRequests: refused,
  results,
};
fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(report, null, 2));
const failed = results.filter((r) => r.error).length;
console.log(
  `forms-test: ${results.length} scenarios in ${report.totalMs} ms (bundle ${report.bundleMs} ms), ` +
    `${failed} could not be played; results in ${path.join(outDir, 'results.json')}, ` +
    `screenshots in ${path.join(outDir, 'screenshots')}`,
);
