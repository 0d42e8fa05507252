// s3rver ships no types; the part the tests use.
declare module "s3rver" {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string }[];
  }
  interface StoredObject {
    key: string;
    size: number;
    lastModifiedDate: Date;
    metadata: Record<string, string>;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    store: {
      getBucket(name: string): Promise<object | null>;
      listObjects(bucket: string, options: { prefix?: string }): Promise<{ objects: StoredObject[] }>;
    };
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
