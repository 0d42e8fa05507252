import { S3Client } from "@aws-sdk/client-s3";

// The one place the S3 client is built. Settings come from the injected environment (the AWS SDK's own
// variable names), so tests and the real process configure it the same way.

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

export const createS3Client = (settings: S3Settings): S3Client =>
  new S3Client({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
    forcePathStyle: settings.forcePathStyle,
    followRegionRedirects: true,
    requestChecksumCalculation: settings.requestChecksumCalculation,
    responseChecksumValidation: settings.responseChecksumValidation,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
