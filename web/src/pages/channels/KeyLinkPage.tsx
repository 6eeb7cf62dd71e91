import { Button, Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api';
import { ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { LookupOrder, PrivatePageMeta, useLookup } from './LookupOrder';

/** /k/:token — the channel buyer's order by its lookup link (no account, not indexed). */
export default function KeyLinkPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { token = '' } = useParams();
  const query = useLookup(token);
  return (
    <div style={{ maxWidth: 720, margin: '0 auto' }}>
      <PrivatePageMeta />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 429) ? (
          <Result
            status={query.error.status === 429 ? 'warning' : '404'}
            title={query.error.status === 429 ? errorText(query.error) : t('lookup.linkInvalid')}
            subTitle={query.error.status === 429 ? undefined : t('lookup.linkInvalidHint')}
            data-testid="lookup-link-error"
            extra={
              <Link to="/lookup">
                <Button type="primary" size="large">
                  {t('lookup.toLookup')}
                </Button>
              </Link>
            }
          />
        ) : (
          <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
        )
      ) : (
        <LookupOrder view={query.data} />
      )}
    </div>
  );
}
