// The slug field's browser check. A `pattern` attribute is compiled as `^(?:…)$` with the `v`
// flag, where a bare "-" inside a character class is a syntax error: the old
// "[a-z0-9][a-z0-9-]*" logged a console error and the check never ran. Outside a class a "-"
// is a literal under every flag. The server's rule (a DNS label, no "--") stays the authority.
export const SLUG_PATTERN = '[a-z0-9]+(-[a-z0-9]+)*';
