import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Real captures beside the repository (absent in a user's clone: those figures are then left out). */
export const SHARED_FIXTURES = { ardupilot: path.resolve(REPO, '../shared/fixtures/ardupilot') };
