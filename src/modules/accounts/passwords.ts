import { hash, verify } from '@node-rs/argon2';
import { fail } from '../../platform/errors.js';
import { COMMON_PASSWORDS_TEXT } from './common-passwords.js';

// argon2id with the library defaults (19 MiB, t=2), as OWASP recommends.
export const hashPassword = (password: string): Promise<string> => hash(password);

// Verified against a real hash even when the user does not exist, so timing does not reveal
// which usernames are registered.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  if (stored === undefined) {
    dummyHash ??= hash('kameng-dummy-password');
    await verify(await dummyHash, password);
    return false;
  }
  return verify(stored, password);
}

/**
 * The password policy (ADR 0009), applied when a password is chosen — registration, change,
 * reset, accounts created by an admin — never to logins with an existing password.
 */
export const PASSWORD_MIN = 8;

const COMMON = new Set(
  COMMON_PASSWORDS_TEXT.split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
);

const RUNS = [
  '01234567890',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  '1qaz2wsx3edc4rfv5tgb',
  'qazwsxedcrfvtgb',
  '1q2w3e4r5t6y7u8i9o0p',
];

/** One character repeated (aaaaaaaa), or a run read forwards or backwards (12345678, abcdefgh, qwertyui). */
function isPattern(p: string): boolean {
  if (new Set(p).size <= 1) return true;
  // two characters alternating (abababab, 12121212)
  if (new Set(p).size === 2 && [...p].every((c, i) => c === p[i % 2])) return true;
  return RUNS.some((run) => {
    const back = [...run].reverse().join('');
    return run.includes(p) || back.includes(p);
  });
}

export type PasswordRule =
  | 'auth.password_too_short'
  | 'auth.password_common'
  | 'auth.password_contains_username'
  | 'auth.password_pattern';

/** The first rule `password` breaks, or null. `names`: the username and e-mail it must not contain. */
export function passwordProblem(
  password: string,
  names: readonly (string | null | undefined)[] = [],
): PasswordRule | null {
  if ([...password].length < PASSWORD_MIN) return 'auth.password_too_short';
  const p = password.normalize('NFKC').toLowerCase();
  // common passwords, also with a trailing ! . or digit run added ("password1!", "woaini1314.")
  const bare = p.replace(/[!.@#?*]+$/u, '');
  if (COMMON.has(p) || COMMON.has(bare)) return 'auth.password_common';
  if (isPattern(p) || isPattern(bare)) return 'auth.password_pattern';
  for (const raw of names) {
    if (!raw) continue;
    const name = raw.trim().normalize('NFKC').toLowerCase();
    const local = name.includes('@') ? name.slice(0, name.indexOf('@')) : name;
    for (const n of [name, local])
      if ((n.length >= 3 || (/\P{ASCII}/u.test(n) && [...n].length >= 2)) && p.includes(n))
        return 'auth.password_contains_username';
  }
  return null;
}

/** Throws the broken rule as a field error on `field`. */
export function checkPassword(
  password: string,
  names: readonly (string | null | undefined)[],
  field = 'password',
): void {
  const problem = passwordProblem(password, names);
  if (problem) fail(problem, { field, params: { min: PASSWORD_MIN } });
}
