/**
 * Masks credentials in values about to be logged: the password of any URL
 * (redis://:pw@host, https://user:pw@registry) and anything after a
 * `password=`/`token=` query key. A URL option is logged for its host, never
 * for what it carries.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*)(?::([^\s/@]*))?@/gi;
const SECRET_QUERY = /([?&](?:password|passwd|pwd|token|secret|access_token|api_key|apikey)=)[^&#\s]*/gi;

export function maskUrlCredentials(text: string): string {
  return text
    .replace(URL_USERINFO, (_match, scheme: string, user: string, password: string | undefined) =>
      password === undefined ? (user ? `${scheme}***@` : `${scheme}@`) : `${scheme}${user}:***@`,
    )
    .replace(SECRET_QUERY, '$1***');
}

/** A value with every string (also inside lists) masked. */
export function maskValue(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (Array.isArray(value)) return value.map(maskValue);
  return value;
}
