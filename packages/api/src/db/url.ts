/** True for `postgres://` and `postgresql://` URLs; anything else is a SQLite path. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
