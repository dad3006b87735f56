/**
 * A connection URL as it may be shown: the password (if any) replaced by `***`. Every message,
 * results.json and report shows a store or index this way; the URL itself only reaches the driver.
 */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (e.g. a libpq string with odd characters): mask by shape, never echo it raw.
    return url.replace(/:\/\/([^:@/]*):[^@]*@/, '://$1:***@');
  }
}

/** The scheme of `scheme://…` in lower case, or null for anything else (a path). */
export function schemeOf(spec: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec);
  return match ? match[1]!.toLowerCase() : null;
}
