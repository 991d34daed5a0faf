// The few parts of dcmjs (no bundled types) that the pixel worker uses.
declare module 'dcmjs' {
  interface DicomDict {
    meta: Record<string, { Value?: unknown[] }>;
    dict: Record<string, unknown>;
  }
  export const data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown>;
    };
  };
  interface Logger {
    setLevel(level: string): void;
  }
  export const log: Logger & { getLogger(name: string): Logger };
}
