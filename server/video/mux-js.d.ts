/** The part of mux.js SkyBeat uses (its fMP4 box writer); mux.js ships no types. */
declare module 'mux.js/cjs/mp4/mp4-generator.js' {
  interface SampleFlags {
    isLeading: number;
    dependsOn: number;
    isDependedOn: number;
    hasRedundancy: number;
    paddingValue: number;
    isNonSyncSample: number;
    degradationPriority: number;
  }
  interface Sample {
    duration: number;
    size: number;
    flags: SampleFlags;
    compositionTimeOffset: number;
  }
  interface VideoTrack {
    id: number;
    type: 'video';
    width: number;
    height: number;
    /** 0 for live: the generator writes 0xffffffff, "unknown" */
    duration?: number;
    sps?: Uint8Array[];
    pps?: Uint8Array[];
    profileIdc?: number;
    profileCompatibility?: number;
    levelIdc?: number;
    samples?: Sample[];
    baseMediaDecodeTime?: number;
  }
  const generator: {
    initSegment(tracks: VideoTrack[]): Uint8Array;
    moof(sequenceNumber: number, tracks: VideoTrack[]): Uint8Array;
    mdat(data: Uint8Array): Uint8Array;
  };
  export default generator;
}
