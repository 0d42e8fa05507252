import { S3Client } from "@aws-sdk/client-s3";
import type { S3Settings } from "./s3-settings.js";

// The one place the S3 client is built, from s3Settings().

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
