import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/shared.ts';

/**
 * The layers of ARCHITECTURE.md as the linter keeps them (eslint.config.js): each case is a line
 * of code put in a file of the tree, and whether the linter lets it through. Without the type
 * checker: the layer rules need none, and so this takes a second, not a whole lint.
 */
const eslint = new ESLint({ cwd: REPO, overrideConfig: tseslint.configs.disableTypeChecked });

async function refusal(file: string, code: string): Promise<string | null> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(REPO, file) });
  return result!.messages.find((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')?.message ?? null;
}

describe('the linter keeps the layers', () => {
  it.each([
    ['server/store/probe.ts', "import { createApp } from '../http/app.ts';", /server\/store may import only wire, base/],
    ['server/store/probe.ts', "import express from 'express';", /Only server\/http speaks HTTP/],
    ['server/links/probe.ts', "import type { Vehicle } from '../vehicles/vehicle.ts';", /server\/links may import only wire, base, mavlink/],
    ['server/missions/protocol/probe.ts', "export { createApp } from '../../http/app.ts';", /server\/missions may import only/],
    ['server/sim/probe.ts', "import { Fleet } from '../vehicles/fleet.ts';", /server\/sim may import only/],
    ['server/auth/probe.ts', "import { runDataTool } from '../tools/data-tool.ts';", /server\/auth may import only/],
    ['server/vehicles/probe.ts', "import { strings } from '../../web/src/i18n.ts';", /does not import the web app/],
    ['web/src/history/probe.ts', "import type { TrackPoint } from '../../../server/store/tracks.ts';", /only server\/wire\/types\.ts/],
    ['web/src/probe.ts', "import { CMD } from '../../server/missions/commands.ts';", /only server\/wire\/types\.ts/],
    [
      'web/src/routes/probe.ts',
      "import { validateRoute } from '../../../server/missions/validate.ts';",
      /only server\/wire\/types\.ts, messages\.ts and route-rules\.ts/,
    ],
    // The panels are TSX: the same rule holds for them.
    ['web/src/alerts/probe.tsx', "import type { Fleet } from '../../../server/vehicles/fleet.ts';", /only server\/wire\/types\.ts/],
    ['server/service.ts', "import { startSquadron } from './sim/squadron.ts';", /Load the simulator with `await import\(\)`/],
    [
      'server/paths.ts',
      "import { openStore } from './store/index.ts';",
      /server\/log\.ts, server\/paths\.ts, server\/clock\.ts, server\/refusal\.ts, server\/in-order\.ts may import only wire/,
    ],
  ])('%s: %s is refused', async (file, code, why) => {
    expect(await refusal(file, code)).toMatch(why);
  });

  it.each([
    ['server/links/probe.ts', "import { Framer } from '../mavlink/framer.ts';"],
    ['server/store/probe.ts', "import type { TrackPoint } from '../wire/types.ts';"],
    ['server/store/probe.ts', "import { MIGRATIONS_DIR } from '../paths.ts';"],
    ['server/vehicles/probe.ts', "import { realClock } from '../clock.ts';"],
    ['server/missions/protocol/probe.ts', "import type { RouteEntry } from '../store.ts';"],
    ['server/patrols/probe.ts', "import type { Route } from '../missions/model.ts';"],
    ['server/http/probe.ts', "import type { Patrols } from '../patrols/patrols.ts';"],
    ['server/auth/users-cli.ts', "import { runDataTool } from '../tools/data-tool.ts';"],
    ['web/src/history/probe.ts', "import type { TrackPoint } from '../../../server/wire/types.ts';"],
    ['web/src/probe.ts', "import { MESSAGES_EN } from '../../server/wire/messages.ts';"],
    // The route editor runs the service's own route checks.
    ['web/src/routes/probe.ts', "import { airspaceFindings } from '../../../server/wire/route-rules.ts';"],
    ['server/service.ts', "import type { Squadron } from './sim/squadron.ts';"],
    ['server/service.ts', "const { startSquadron } = await import('./sim/squadron.ts');"],
  ])('%s: %s is let through', async (file, code) => {
    expect(await refusal(file, code)).toBeNull();
  });
});

describe('HTTP stays in server/http', () => {
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
    });

  it('no error outside it carries a status code: the domain says what kind of refusal (server/refusal.ts), http/errors.ts maps it', () => {
    const server = path.join(REPO, 'server');
    const offending = sources(server)
      .filter((f) => !f.startsWith(path.join(server, 'http') + path.sep))
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').map((line, i) => ({ at: `${path.relative(REPO, f)}:${i + 1}`, line })))
      .filter(({ line }) => /new \w*Error\(\s*[45]\d\d\b|readonly status: /.test(line))
      .map(({ at, line }) => `${at}: ${line.trim()}`);
    expect(offending).toEqual([]);
  });
});

describe('names do not collide', () => {
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
    });
  /** The same name on purpose: the two ends of one socket.io connection, each typed from its side. */
  const BOTH_ENDS = new Set(['LiveSocket']);

  it('no class, interface or type is exported under one name from two places in server/ and web/src/', () => {
    const where = new Map<string, string[]>();
    for (const file of [...sources(path.join(REPO, 'server')), ...sources(path.join(REPO, 'web', 'src'))]) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/^export (?:abstract )?(?:class|interface|type|enum) (\w+)/gm)) {
        where.set(m[1]!, [...(where.get(m[1]!) ?? []), path.relative(REPO, file)]);
      }
    }
    const twice = [...where].filter(([name, files]) => files.length > 1 && !BOTH_ENDS.has(name)).map(([name, files]) => `${name}: ${files.join(', ')}`);
    expect(twice).toEqual([]);
  });
});
