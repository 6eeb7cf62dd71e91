import { hash, verify } from '@node-rs/argon2';

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
