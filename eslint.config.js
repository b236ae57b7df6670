// `npm run lint`. Two things: the layers of ARCHITECTURE.md, kept by a machine (LAYERS below), and
// a small set of rules that catch real bugs, most of them with the type checker's help.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Who may import whom in server/: each layer (a folder, or one of the files at server/'s top)
 * names the layers it may import. Anything not named is refused. Every layer may also import
 * wire/ (what the browser receives) and base (log.ts, paths.ts, clock.ts, refusal.ts, in-order.ts); nothing in server/
 * imports web/. A new file at server/'s top belongs in FILE_LAYERS too.
 * To add an arrow, first ask whether the code belongs in the layer that already has the
 * dependency; ARCHITECTURE.md says where each kind of change goes.
 */
const LAYERS = {
  mavlink: [],
  links: ['mavlink'],
  vehicles: ['links', 'mavlink', 'store'],
  missions: ['links', 'vehicles'],
  alerts: ['vehicles', 'store'],
  patrols: ['missions', 'vehicles', 'alerts', 'store'],
  store: [],
  // Camera feeds: parsed into whole pictures, relayed and recorded without re-encoding.
  video: [],
  auth: ['store'],
  // A city's nodes agree through the shared store: leases, command claims, the bus's signatures.
  cluster: ['store'],
  http: ['alerts', 'auth', 'cluster', 'missions', 'patrols', 'store', 'vehicles', 'video'],
  sim: ['links', 'mavlink'],
  tools: ['config', 'links', 'mavlink', 'sim', 'store', 'video'],
  wire: [],
  base: [],
  // The configuration checks each setting with the parser of the layer that uses it.
  config: ['cluster', 'links', 'http', 'service', 'store', 'video'],
  // The composition root starts everything; the simulator only by import() (rule below).
  service: ['mavlink', 'links', 'vehicles', 'missions', 'alerts', 'patrols', 'store', 'auth', 'http', 'sim', 'video', 'cluster'],
  main: ['config', 'service', 'links', 'store'],
};
/** Layers that are single files at server/'s top, and the files of each. */
const FILE_LAYERS = {
  base: ['log.ts', 'paths.ts', 'clock.ts', 'refusal.ts', 'in-order.ts'],
  config: ['config.ts'],
  service: ['service.ts', 'city-node.ts'],
  main: ['main.ts'],
};
/** Command-line programs kept beside the code they drive: they are tools. */
const TOOLS_ELSEWHERE = ['server/auth/users-cli.ts'];
/** Only the http layer (and the service that starts it) speaks HTTP. */
const HTTP_PACKAGES = ['express', 'express-rate-limit', 'helmet', 'cookie', 'socket.io', '@socket.io/redis-streams-adapter', 'ws', 'prom-client'];

const filesOf = (layer) => (FILE_LAYERS[layer] ?? [`${layer}/**/*.ts`]).map((f) => `server/${f}`);
// Import specifiers are relative ('../links/link.ts', '../../store/runs.ts'): a folder layer is
// the first folder after the climb out, a file layer the whole name after it.
const specifierOf = (layer) => (FILE_LAYERS[layer] ? `(${FILE_LAYERS[layer].map((f) => f.replace('.', '\\.')).join('|')})$` : `${layer}/`);
const always = ['wire', 'base'];
const nameOf = (layer) => (FILE_LAYERS[layer] ? FILE_LAYERS[layer].map((f) => `server/${f}`).join(', ') : `server/${layer}`);

function layerRules(layer) {
  const allowed = new Set([layer, ...always, ...LAYERS[layer]]);
  const refused = Object.keys(LAYERS).filter((l) => !allowed.has(l));
  const patterns = [
    {
      regex: `^(\\./|(\\.\\./)+)(${refused.map(specifierOf).join('|')})`,
      message: `${nameOf(layer)} may import only ${[...allowed].filter((l) => l !== layer).join(', ')} (eslint.config.js LAYERS; see ARCHITECTURE.md).`,
    },
    { regex: '(^|/)web/', message: 'The server does not import the web app.' },
  ];
  if (layer !== 'http' && layer !== 'service') {
    patterns.push({ regex: `^(${HTTP_PACKAGES.join('|')})(/|$)`, message: 'Only server/http speaks HTTP: return plain data and let a router send it.' });
  }
  if (layer === 'service') {
    patterns.push({
      regex: '^\\./sim/',
      allowTypeImports: true,
      message: 'Load the simulator with `await import()` when --sim asks for drones, so a station with real links never loads it.',
    });
  }
  return patterns;
}

const restrict = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

const layerConfigs = Object.keys(LAYERS).map((layer) => ({
  name: `skybeat/layer/${layer}`,
  files: filesOf(layer),
  ignores: layer === 'tools' ? [] : TOOLS_ELSEWHERE,
  rules: restrict(layerRules(layer)),
}));
layerConfigs.push({ name: 'skybeat/layer/tools-elsewhere', files: TOOLS_ELSEWHERE, rules: restrict(layerRules('tools')) });

export default defineConfig(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**'] },
  {
    name: 'skybeat/typescript',
    files: ['**/*.ts', '**/*.tsx'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // One program over the whole repository: the types are built once for every file.
        project: './tsconfig.all.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // tsc's noUnusedLocals finds unused locals; this adds unused arguments and caught errors.
      // A leading _ says "unused on purpose" (a destructured field left out, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // With the type checker: promises that nobody awaits or catches (an unhandled rejection
      // ends a Node process), async functions passed where a plain callback is expected (the
      // caller drops their rejection), await on what is not a promise, throwing a non-Error.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      // A `let` read by a closure made before its one assignment stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Re-throwing with the caught error's message in the new one is this code's convention.
      'preserve-caught-error': 'off',
    },
  },
  {
    name: 'skybeat/tests',
    files: ['tests/**', 'bench/**'],
    // Tests read API answers as parsed JSON and look into them freely.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    name: 'skybeat/scripts',
    files: ['**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    name: 'skybeat/service-worker',
    files: ['web/public/*-sw.js'],
    languageOptions: { globals: globals.serviceworker },
  },
  ...layerConfigs,
  {
    name: 'skybeat/web',
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
    rules: restrict([
      // types.ts: what it receives; messages.ts: the English of the service's messages, which the pages say too;
      // route-rules.ts: the checks a route is held to, which the route editor runs as the pilot edits.
      {
        regex: '(^|/)server/(?!wire/(types|messages|route-rules)\\.ts$)',
        message: 'The web app takes from server/ only server/wire/types.ts, messages.ts and route-rules.ts.',
      },
    ]),
  },
  // Found when the linter came, in files being changed for issue 13 at the time: warnings until
  // those changes land and these are fixed, then this block goes.
);
