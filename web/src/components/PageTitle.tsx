import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router';
import { pageTitleKey } from './pageTitles';

/** Keeps `document.title` on the current page's name, e.g. 「我的订单 - 卡盟 Kameng」. Renders nothing. */
export function PageTitle() {
  const { pathname } = useLocation();
  const { t, i18n } = useTranslation();
  const key = pageTitleKey(pathname);
  const title = key === 'home' ? t('pageTitle.home') : t('pageTitle.format', { page: t(`pageTitle.${key}`) });
  useEffect(() => {
    document.title = title;
  }, [title, i18n.language]);
  return null;
}
