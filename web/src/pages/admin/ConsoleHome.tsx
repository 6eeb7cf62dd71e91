import { Card, Col, Flex, Row, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { RequireUser } from '../../components/RequireUser';
import { CONSOLE_GROUPS, CONSOLE_SECTIONS } from './consoleSections';

/** /admin (运营控制台): every console page, grouped, each with a line saying what it is for. */
export default function ConsoleHome() {
  const { t } = useTranslation();
  return (
    <RequireUser admin>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('console.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t('console.intro')}
        </Typography.Paragraph>
        {CONSOLE_GROUPS.map((g) => (
          <section key={g}>
            <Typography.Title level={5}>{t(`console.group.${g}`)}</Typography.Title>
            <Row gutter={[12, 12]}>
              {CONSOLE_SECTIONS.filter((s) => s.group === g).map((s) => (
                <Col key={s.key} xs={24} sm={12} lg={8}>
                  <Link to={s.path} data-testid={`console-home-${s.key}`}>
                    <Card hoverable size="small" style={{ height: '100%' }}>
                      <Typography.Text strong>{t(`console.section.${s.key}`)}</Typography.Text>
                      <br />
                      <Typography.Text type="secondary">{t(`console.sectionHelp.${s.key}`)}</Typography.Text>
                    </Card>
                  </Link>
                </Col>
              ))}
            </Row>
          </section>
        ))}
      </Flex>
    </RequireUser>
  );
}
