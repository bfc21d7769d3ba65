import { Elysia } from 'elysia';
import { notFound } from '../errors/api-error';
// Embedded into the binary with `type: 'file'`: the dashboard works offline, nothing from a CDN.
import htmxJs from 'htmx.org/dist/htmx.min.js' with { type: 'file' };
import alpineJs from 'alpinejs/dist/cdn.min.js' with { type: 'file' };
// chart.js's package "exports" hides dist/chart.umd.min.js, so it is imported by path.
import chartJs from '../../node_modules/chart.js/dist/chart.umd.min.js' with { type: 'file' };
import themeJs from '../../web/theme.js' with { type: 'file' };
import pageControlsJs from '../../web/page-controls.js' with { type: 'file' };
import chartsJs from '../../web/charts.js' with { type: 'file' };
import htmxSetupJs from '../../web/htmx-setup.js' with { type: 'file' };
import swapFocusJs from '../../web/swap-focus.js' with { type: 'file' };
import editorsJs from '../../web/editors.js' with { type: 'file' };
import monitorJs from '../../web/monitor.js' with { type: 'file' };
import choicesJs from '../../web/choices.js' with { type: 'file' };
import appCss from '../../web/app.css' with { type: 'file' };
import faviconSvg from '../../web/favicon.svg' with { type: 'file' };
import { VERSION } from '../version';
import { formatScript } from './format-script';

const JS = 'text/javascript; charset=utf-8';

/** name -> [embedded path, content type]. Names carry no hash, so URLs get ?v=<version>. */
const ASSETS: Record<string, [string, string]> = {
  'htmx.min.js': [htmxJs, JS],
  'alpine.min.js': [alpineJs, JS],
  'chart.umd.min.js': [chartJs, JS],
  'theme.js': [themeJs, JS],
  'page-controls.js': [pageControlsJs, JS],
  'charts.js': [chartsJs, JS],
  'htmx-setup.js': [htmxSetupJs, JS],
  'swap-focus.js': [swapFocusJs, JS],
  'editors.js': [editorsJs, JS],
  'monitor.js': [monitorJs, JS],
  'choices.js': [choicesJs, JS],
  'app.css': [appCss, 'text/css; charset=utf-8'],
  'favicon.svg': [faviconSvg, 'image/svg+xml'],
};

/**
 * The dashboard's own scripts (web/), in the order the layout loads them: in <head>, not deferred,
 * after format.js and before htmx, Chart.js and Alpine (deferred). theme.js first applies the
 * saved theme before paint; the rest add their listeners (htmx's configuration on DOMContentLoaded,
 * ahead of htmx's own; Alpine components on alpine:init, before Alpine starts). The CSP forbids
 * inline scripts, so all page data arrives in data-* attributes, and none of them ever assigns
 * innerHTML from data (textContent / Alpine x-text only).
 */
export const DASHBOARD_SCRIPTS = [
  'theme.js', 'page-controls.js', 'charts.js', 'htmx-setup.js', 'swap-focus.js', 'editors.js', 'monitor.js', 'choices.js',
] as const;

/** Assets made from source at start rather than embedded as files. */
const GENERATED: Record<string, [() => string, string]> = {
  'format.js': [formatScript, JS],
};

/** URL of an asset, busted per release so the long cache below is safe. */
export function assetUrl(name: (keyof typeof ASSETS & string) | 'format.js'): string {
  return `/assets/${name}?v=${VERSION}`;
}

/** GET /assets/:name — the dashboard's scripts and styles, cached for a year per version. */
export function assetsRoutes() {
  return new Elysia({ name: 'dashboard-assets' })
    // Pages that name no icon (Swagger UI, a JSON answer opened in a tab) make the browser ask for
    // /favicon.ico; a 404 there is an error in their console. The dashboard's own icon answers.
    .get('/favicon.ico', () => new Response(Bun.file(faviconSvg), {
      headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' },
    }), { detail: { hide: true } })
    .get(
    '/assets/:name',
    ({ params }) => {
      // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
      const asset = Object.hasOwn(ASSETS, params.name) ? ASSETS[params.name] : undefined;
      const generated = Object.hasOwn(GENERATED, params.name) ? GENERATED[params.name] : undefined;
      // The gateway's one 404, in OpenAI's error shape like every other path it does not serve.
      if (!asset && !generated) throw notFound(`No dashboard asset named '${params.name}'.`);
      return new Response(generated ? generated[0]() : Bun.file(asset![0]), {
        headers: {
          'content-type': generated ? generated[1] : asset![1],
          'cache-control': 'public, max-age=31536000, immutable',
          'x-content-type-options': 'nosniff',
        },
      });
    },
    { detail: { hide: true } },
  );
}
