import { describe, expect, it } from 'vitest';
import { passwordProblem } from '../../src/modules/accounts/passwords.js';
import { COMMON_PASSWORDS_TEXT } from '../../src/modules/accounts/common-passwords.js';

describe('password policy', () => {
  it('bundles about a thousand common passwords, Chinese favourites included', () => {
    const list = COMMON_PASSWORDS_TEXT.split('\n').filter(Boolean);
    expect(list.length).toBeGreaterThan(900);
    for (const p of ['123456', '5201314', 'woaini1314', 'qwe123', '88888888', 'a123456', 'password'])
      expect(list).toContain(p);
  });

  it.each([
    ['password', 'auth.password_common'],
    ['PASSWORD', 'auth.password_common'],
    ['12345678', 'auth.password_common'],
    ['88888888', 'auth.password_common'],
    ['woaini1314', 'auth.password_common'],
    ['woaini1314!', 'auth.password_common'],
    ['qq123456789', 'auth.password_common'],
    ['aaaaaaaaaaa', 'auth.password_pattern'],
    ['ababababab', 'auth.password_pattern'],
    ['23456789', 'auth.password_pattern'],
    ['hgfedcba', 'auth.password_pattern'],
    ['sdfghjkl', 'auth.password_pattern'],
    ['abc', 'auth.password_too_short'],
    ['密码1234', 'auth.password_too_short'],
  ])('%s → %s', (password, rule) => {
    expect(passwordProblem(password)).toBe(rule);
  });

  it('refuses the username or the e-mail name inside the password, 张三 included', () => {
    expect(passwordProblem('xiaoming-2026', ['XiaoMing'])).toBe('auth.password_contains_username');
    expect(passwordProblem('张三的密码很长很长', ['张三'])).toBe('auth.password_contains_username');
    expect(passwordProblem('lucky-dragon-77', ['x', 'lucky-dragon@example.com'])).toBe(
      'auth.password_contains_username',
    );
    // a two-letter Latin name is too common a substring to refuse
    expect(passwordProblem('limpid-autumn-9', ['li'])).toBeNull();
  });

  it('accepts a passphrase and a long enough Chinese password', () => {
    expect(passwordProblem('correct-horse-1', ['buyer1'])).toBeNull();
    expect(passwordProblem('秋天的风吹过山岗', ['张三'])).toBeNull();
  });
});
