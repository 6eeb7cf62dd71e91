import i18n from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import type { Lang } from '../types';
import en from './en';
import zhCN from './zh-CN';

export const LANG_STORAGE_KEY = 'kameng.lang';
export const DEFAULT_LANG: Lang = 'zh-CN';
export const resources = {
  'zh-CN': { translation: zhCN },
  en: { translation: en },
} as const;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof zhCN };
  }
}

export function isLang(value: unknown): value is Lang {
  return value === 'zh-CN' || value === 'en';
}

function storedLang(): Lang {
  try {
    const v = window.localStorage.getItem(LANG_STORAGE_KEY);
    return isLang(v) ? v : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

function applyDocumentLang(lang: Lang): void {
  document.documentElement.lang = lang;
  document.title = resources[lang].translation.app.title;
}

const initial = storedLang();
void i18n.use(initReactI18next).init({
  resources,
  lng: initial,
  fallbackLng: DEFAULT_LANG,
  supportedLngs: ['zh-CN', 'en'],
  interpolation: { escapeValue: false },
  returnNull: false,
});
applyDocumentLang(initial);

i18n.on('languageChanged', (lng: string) => {
  if (!isLang(lng)) return;
  applyDocumentLang(lng);
  try {
    window.localStorage.setItem(LANG_STORAGE_KEY, lng);
  } catch {
    // storage unavailable (private mode): the choice just is not persisted
  }
});

/** Current UI language, always one of the supported ones. */
export function currentLang(): Lang {
  return isLang(i18n.language) ? i18n.language : DEFAULT_LANG;
}

export function setLang(lang: Lang): void {
  void i18n.changeLanguage(lang);
}

/** Hook variant: re-renders on language change. */
export function useLang(): Lang {
  const { i18n: inst } = useTranslation();
  return isLang(inst.language) ? inst.language : DEFAULT_LANG;
}

/** Key into RenderedPolicy / Badge for a UI language. */
export function contentKey(lang: Lang): 'zh' | 'en' {
  return lang === 'en' ? 'en' : 'zh';
}

export default i18n;
