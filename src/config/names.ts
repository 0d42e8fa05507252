// Names that end up in store keys, file paths and Datadog tags (service, env, source). Datadog lowercases tag
// values, so accepting "Kinto" would make the store and Datadog disagree: only lowercase is accepted.
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

export const NAME_RULE =
  "lowercase letters, digits, '_', '.' or '-', starting with a letter or digit, at most 100 characters";

export const isValidName = (value: string): boolean => NAME_PATTERN.test(value) && !value.includes("..");
