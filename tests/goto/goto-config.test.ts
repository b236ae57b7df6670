import { describe, expect, it } from 'vitest';
import { configFile as file } from '../helpers/config.ts';
import { loadConfig, serviceOptions, type Config } from '../../server/config.ts';

describe("the station's transit height for drones sent to a point", () => {
  it('is 60 m unless the station sets its own, and reaches the goto module', () => {
    expect(serviceOptions(loadConfig([], {}) as Config).goto).toMatchObject({ transitAltM: 60 });
    expect(serviceOptions(loadConfig(['--config', file({ station: { transitAltM: 45 } })], {}) as Config).goto).toMatchObject({ transitAltM: 45 });
  });

  it("above the station's ceiling is refused, naming both", () => {
    const f = file({ station: { ceilingM: 100, transitAltM: 110 } });
    expect(() => loadConfig(['--config', f], {})).toThrow(/station\.transitAltM: must not be above station\.ceilingM/);
  });
});
