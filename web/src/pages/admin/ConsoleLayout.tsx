import { Button, Drawer, Flex, Grid, Menu, Typography, type MenuProps } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { RequireUser } from '../../components/RequireUser';
import { CONSOLE_GROUPS, CONSOLE_SECTIONS } from './consoleSections';

/** The console's menu: every section, grouped, the current one selected. */
function ConsoleMenu({ onNavigate }: { onNavigate?: () => void }) {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const items: MenuProps['items'] = [
    { key: '/admin', label: <Link to="/admin">{t('console.title')}</Link> },
    ...CONSOLE_GROUPS.map((g) => ({
      type: 'group' as const,
      key: g,
      label: t(`console.group.${g}`),
      children: CONSOLE_SECTIONS.filter((s) => s.group === g).map((s) => ({
        key: s.path,
        label: (
          <Link to={s.path} data-testid={`console-nav-${s.key}`}>
            {t(`console.section.${s.key}`)}
          </Link>
        ),
      })),
    })),
  ];
  const selected = CONSOLE_SECTIONS.find((s) => pathname.startsWith(s.path))?.path ?? '/admin';
  return (
    <Menu
      mode="inline"
      items={items}
      selectedKeys={[selected]}
      onClick={() => onNavigate?.()}
      style={{ borderInlineEnd: 'none' }}
    />
  );
}

/**
 * The frame of every operator console page: the page title with an optional `extra` (buttons) on
 * its right, a link back to the console home, and the console's side menu (a drawer on phones).
 * Only admins see the page (`access="support"` lets platform support in too).
 */
export function ConsoleLayout({
  title,
  extra,
  access = 'admin',
  children,
}: {
  title: ReactNode;
  extra?: ReactNode;
  /** Who may open the page: admins only (default) or support and admins. */
  access?: 'admin' | 'support';
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const screens = Grid.useBreakpoint();
  const wide = screens.lg === true;
  const [open, setOpen] = useState(false);
  const body = (
    <Flex vertical gap={16} style={{ minWidth: 0, flex: 1 }}>
      <Flex wrap gap={8} align="center" justify="space-between">
        <Flex vertical gap={4} style={{ minWidth: 0 }}>
          <Link to="/admin" data-testid="console-back">
            ← {t('console.back')}
          </Link>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="console-title">
            {title}
          </Typography.Title>
        </Flex>
        <Flex wrap gap={8} align="center">
          {!wide && (
            <Button onClick={() => setOpen(true)} data-testid="console-menu-button" style={{ minHeight: 40 }}>
              ☰ {t('console.menu')}
            </Button>
          )}
          {extra}
        </Flex>
      </Flex>
      {children}
    </Flex>
  );
  return (
    <RequireUser admin={access === 'admin'} support={access === 'support'}>
      {wide ? (
        <Flex gap={24} align="flex-start">
          <nav style={{ width: 200, flex: 'none' }} aria-label={t('console.menu')}>
            <ConsoleMenu />
          </nav>
          {body}
        </Flex>
      ) : (
        <>
          {body}
          <Drawer
            open={open}
            onClose={() => setOpen(false)}
            title={t('console.menu')}
            placement="left"
            size={280}
          >
            <ConsoleMenu onNavigate={() => setOpen(false)} />
          </Drawer>
        </>
      )}
    </RequireUser>
  );
}
