import type { ScanToken } from 'libpg-query';
import type { RuleContext } from './rule-context';

/**
 * `identifier-too-long`: PostgreSQL keeps at most NAMEDATALEN - 1 = 63 bytes of an identifier
 * (docs 4.1.1, "Identifiers and Key Words") and truncates longer ones with only a NOTICE, so the
 * object gets another name than the one written, later statements naming it in full still work
 * (they are truncated too) but catalog queries, verify scripts and two names sharing their first
 * 63 bytes do not. The parse tree holds the truncated name, so this rule reads the scanner's tokens.
 */

/** Longest identifier PostgreSQL keeps, in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/** The identifier a token spells (unquoted: folded to lower case), or undefined for other tokens. */
export function identifierText(token: ScanToken): string | undefined {
  if (token.tokenName === 'IDENT') {
    if (token.text.startsWith('"')) return token.text.slice(1, -1).replace(/""/g, '"');
    return token.text.toLowerCase();
  }
  if (/^u&"/i.test(token.text)) {
    const body = token.text.slice(3, -1).replace(/""/g, '"');
    return body.replace(/\\(\\|\+[0-9a-fA-F]{6}|[0-9a-fA-F]{4})/g, (_, escape: string) =>
      escape === '\\' ? '\\' : String.fromCodePoint(parseInt(escape.replace('+', ''), 16)),
    );
  }
  return undefined;
}

/** The first `max` bytes of a name, cut at a character boundary (as PostgreSQL's pg_mbcliplen does). */
export function clipToBytes(name: string, max = MAX_IDENTIFIER_BYTES): string {
  let bytes = 0;
  let out = '';
  for (const ch of name) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > max) break;
    bytes += size;
    out += ch;
  }
  return out;
}

export function checkIdentifierLength({ statement, report }: RuleContext): void {
  for (const token of statement.tokens) {
    const name = identifierText(token);
    if (name === undefined) continue;
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes <= MAX_IDENTIFIER_BYTES) continue;
    const kept = clipToBytes(name);
    report({
      ruleId: 'identifier-too-long',
      at: token.start,
      message: `Identifier "${name}" is ${bytes} bytes: PostgreSQL silently truncates it to 63 bytes ("${kept}"), so the object is not named as written and names sharing those 63 bytes collide.`,
      suggestion: `Use a name of at most 63 bytes (UTF-8), e.g. an abbreviation of "${name}".`,
    });
  }
}
