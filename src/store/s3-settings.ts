import { DogdriverError } from "../errors.js";

// What an s3:// store needs from its URL and the environment, read without loading the AWS SDK (s3-client.ts builds
// the client from them). Settings come from the injected environment, under the AWS SDK's own variable names, so
// tests and the real process configure it the same way.

export interface S3Settings {
  region: string | undefined;
  /** AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL: an S3-compatible server (MinIO, R2, the tests' s3rver). */
  endpoint: string | undefined;
  forcePathStyle: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  profile: string | undefined;
  requestChecksumCalculation: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  responseChecksumValidation: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /** AWS_MAX_ATTEMPTS: tries per request, retries of throttling and 5xx included (SDK default 3). */
  maxAttempts: number | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const checksumSetting = (value: string | undefined): "WHEN_SUPPORTED" | "WHEN_REQUIRED" =>
  value?.toUpperCase() === "WHEN_SUPPORTED" ? "WHEN_SUPPORTED" : "WHEN_REQUIRED";

/** Reads the S3 settings from the environment. */
export const s3Settings = (env: Env): S3Settings => {
  const profile = env.AWS_PROFILE || undefined;
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  const ignoreEndpoints = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true";
  return {
    // Without a region anywhere, us-east-1 plus followRegionRedirects reaches a bucket in any region.
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || (profile ? undefined : "us-east-1"),
    endpoint: ignoreEndpoints ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    forcePathStyle: env.DOGDRIVER_S3_FORCE_PATH_STYLE === "1" || env.DOGDRIVER_S3_FORCE_PATH_STYLE === "true",
    credentials:
      keyId && secret
        ? {
            accessKeyId: keyId,
            secretAccessKey: secret,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          }
        : undefined,
    profile,
    // Since 3.729 the SDK sends CRC32 checksums on every upload by default; several S3-compatible servers reject
    // them. Only where the API requires one, unless the user chose otherwise with the SDK's own variables.
    requestChecksumCalculation: checksumSetting(env.AWS_REQUEST_CHECKSUM_CALCULATION),
    responseChecksumValidation: checksumSetting(env.AWS_RESPONSE_CHECKSUM_VALIDATION),
    maxAttempts:
      Number.parseInt(env.AWS_MAX_ATTEMPTS ?? "", 10) > 0
        ? Number.parseInt(env.AWS_MAX_ATTEMPTS ?? "", 10)
        : undefined,
  };
};

/** The values that must never appear in a message (error texts are scrubbed of them). */
export const s3Secrets = (env: Env): string[] =>
  [env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN].filter(
    (value): value is string => typeof value === "string" && value.length >= 4,
  );

export interface S3Location {
  bucket: string;
  /** "" or "some/prefix/" (always ending with "/"). */
  prefix: string;
}

/** The bucket and key prefix of an s3://bucket/prefix URL. */
export const parseS3Url = (url: string): S3Location => {
  const match = /^s3:\/\/([^/]*)\/?(.*)$/.exec(url);
  const bucket = match?.[1] ?? "";
  const segments = (match?.[2] ?? "").split("/").filter((s, i, all) => !(s === "" && i === all.length - 1));
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) &&
    !bucket.includes("..") &&
    segments.every(
      (s) =>
        s !== "" && s !== "." && s !== ".." && ![...s].some((c) => c < " " || c === "\x7f" || c === "\\"),
    ) &&
    (match?.[2] ?? "").length <= 512;
  if (!ok)
    throw new DogdriverError(
      "invalid_config",
      `store "${url}": expected s3://bucket/prefix (a valid bucket name; a prefix without empty, "." or ".." parts)`,
    );
  return { bucket, prefix: segments.length ? `${segments.join("/")}/` : "" };
};

/** Where an object of the store lives, for messages: s3://bucket/prefix/key (the store's URL with key ""). */
export const s3ObjectUrl = ({ bucket, prefix }: S3Location, key: string): string =>
  `s3://${bucket}/${prefix}${key}`;
