/** Every page of the operator console, in the order the side menu and the console home list them. */
export const CONSOLE_SECTIONS = [
  { key: 'rules', path: '/admin/rules', group: 'config' },
  { key: 'calendar', path: '/admin/calendar', group: 'config' },
  { key: 'clock', path: '/admin/clock', group: 'config' },
  { key: 'levels', path: '/admin/levels', group: 'config' },
  { key: 'commissions', path: '/admin/commissions', group: 'config' },
  { key: 'tokens', path: '/admin/tokens', group: 'config' },
  { key: 'users', path: '/admin/users', group: 'people' },
  { key: 'merchants', path: '/admin/merchants', group: 'people' },
  { key: 'withdrawals', path: '/admin/withdrawals', group: 'people' },
  { key: 'dashboard', path: '/admin/dashboard', group: 'insight' },
  { key: 'audit', path: '/admin/audit', group: 'insight' },
  { key: 'sandbox', path: '/admin/sandbox', group: 'insight' },
] as const;

export type ConsoleSection = (typeof CONSOLE_SECTIONS)[number];
export type ConsoleSectionKey = ConsoleSection['key'];
export const CONSOLE_GROUPS = ['config', 'people', 'insight'] as const;
