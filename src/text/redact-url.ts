// A URL may carry a user and password (https://user:token@host/...): a message names the URL without them.

/** Text with the user:password of every URL in it replaced by ***, for messages. */
export const redactUrl = (text: string): string =>
  text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, "$1***@");
