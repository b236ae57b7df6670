/**
 * PX4 packs its mode into custom_mode as main mode (bits 16-23) and sub mode (bits 24-31);
 * node-mavlink has no table for it. Names follow QGroundControl's.
 */
const MAIN: Record<number, string> = {
  1: 'MANUAL', 2: 'ALTCTL', 3: 'POSCTL', 4: 'AUTO', 5: 'ACRO', 6: 'OFFBOARD', 7: 'STABILIZED', 8: 'RATTITUDE',
};
const AUTO_SUB: Record<number, string> = {
  1: 'READY', 2: 'TAKEOFF', 3: 'HOLD', 4: 'MISSION', 5: 'RETURN', 6: 'LAND', 8: 'FOLLOW', 9: 'PRECLAND', 10: 'VTOL_TAKEOFF',
};
const POSCTL_SUB: Record<number, string> = { 1: 'ORBIT' };

export const px4 = {
  modeName(customMode: number): string {
    const main = (customMode >>> 16) & 0xff;
    const sub = (customMode >>> 24) & 0xff;
    if (main === 4) return AUTO_SUB[sub] ?? `AUTO(${sub})`;
    if (main === 3 && POSCTL_SUB[sub]) return POSCTL_SUB[sub]!;
    return MAIN[main] ?? `UNKNOWN(${customMode})`;
  },
  modeNumber(name: string): number | undefined {
    for (const [sub, n] of Object.entries(AUTO_SUB)) if (n === name) return (4 << 16) | (Number(sub) << 24);
    for (const [main, n] of Object.entries(MAIN)) if (n === name) return Number(main) << 16;
    return undefined;
  },
};
