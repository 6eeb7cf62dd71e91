/** What `bench:generate` leaves for `bench:scale`: the master key and the accounts to log in as. */
import os from 'node:os';
import path from 'node:path';

export interface ScaleState {
  database: string;
  masterKey: string;
  password: string;
  admin: string;
  heavyBuyer: string;
  bigMerchant: string;
  orders: number;
  keys: number;
  generatedAt: string;
}

/** os.tmpdir()/kameng-scale-<database>.json */
export function statePath(databaseUrl: string): string {
  const name = new URL(databaseUrl).pathname.replace(/^\//, '') || 'postgres';
  return path.join(os.tmpdir(), `kameng-scale-${name}.json`);
}
