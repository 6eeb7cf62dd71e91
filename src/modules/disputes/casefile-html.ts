/**
 * The case file's `summary.html`: one printable, self-contained page (inline CSS, no script, no
 * outside resource; a CSP that forbids both) of a refund request and its dispute — the order, the
 * policy, units and key timelines, payments and payouts, the request and its history, evidence, the
 * conversation, and for a dispute the statements, findings and the decision with its rationale.
 * Bilingual, Chinese first then English, or one language. Money in ¥ with two decimals, times in
 * Beijing time (Asia/Shanghai).
 *
 * Every value is escaped: the `html` template escapes whatever it interpolates unless it is
 * already `Html` built by this file, so user text (descriptions, statements, file names, chat
 * messages, a merchant's product name) can never become markup.
 */
import { shanghaiDateTime } from '../../platform/calendar.js';
import { fenToYuan } from '../../platform/money.js';
import { KEY_STATES, REQUEST_STATES } from '../../platform/labels.js';
import type { DisputeDetail } from './views.js';

/** The refund request as its viewer reads it (after-sales' requestDetail). */
export type RequestDetail = DisputeDetail['request'];

// ---- the model the page is drawn from (built in casefile.ts) -------------------------------------

export type CaseLang = 'both' | 'zh-CN' | 'en';

export interface OrderSnapshot {
  orderNo?: string;
  productName?: string | null;
  productType?: string | null;
  faceValueFen?: number | null;
  validityDays?: number | null;
  quantity?: number;
  unitPriceFen?: number | null;
  totalFen?: number;
  buyerLevel?: string;
  paymentMethod?: string;
  createdAt?: string;
  deliveredAt?: string | null;
}

export interface PolicySnapshot {
  version?: number | null;
  textHash?: string | null;
  confirmedAt?: string | null;
  textZh?: string | null;
  textEn?: string | null;
}

export interface KeyTimeline {
  unitId: string;
  keys: {
    serialMasked: string;
    state: string;
    deliveredAt: string | null;
    firstRevealedAt: string | null;
    activatedAt: string | null;
    activationSource: string | null;
    activatedBeforeDelivery: boolean;
    voidedAt: string | null;
    invalidAt: string | null;
  }[];
  events: { at: string; kind: string; by: string; serialMasked: string | null }[];
}

export interface PaymentRecord {
  method: string;
  provider: string;
  amountFen: number;
  state: string;
  paidAt: string | null;
  createdAt: string;
}

export interface ConversationMessage {
  at: string;
  from: string;
  text: string;
  file: { sha256: string; name: string | null; path: string | null } | null;
}

export interface EvidenceFile {
  sha256: string;
  name: string;
  /** Where the bytes are in the ZIP; null when the store no longer holds them. */
  path: string | null;
  size: number | null;
  from: string[];
  missing: string | null;
  /**
   * The SHA-256 of the bytes in the ZIP: `sha256` itself when they are the original; otherwise an
   * image's shareable copy, derived from the original (`sha256`) by `derivation`.
   */
  fileSha256: string | null;
  derivation: 'METADATA_REMOVED' | 'REENCODED' | null;
}

export interface AuditRecord {
  seq: number;
  id: string;
  at: string;
  objectType: string;
  objectId: string;
  action: string;
  actorRole: string;
  hash: string;
  prevHash: string;
  data: unknown;
}

export interface CaseModel {
  request: RequestDetail;
  dispute: DisputeDetail | null;
  order: OrderSnapshot | null;
  policy: PolicySnapshot | null;
  units: KeyTimeline[];
  payment: PaymentRecord | null;
  conversation: ConversationMessage[];
  files: EvidenceFile[];
  trail: AuditRecord[];
  generatedAt: Date;
  generatedBy: { username: string; role: string };
}

// ---- escaping ------------------------------------------------------------------------------------

/** Markup built here; everything else interpolated into `html` is text and gets escaped. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}
type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function render(p: Part): string {
  if (p instanceof Html) return p.markup;
  if (Array.isArray(p)) return (p as readonly Part[]).map(render).join('');
  if (p === null || p === undefined || p === false) return '';
  return escapeHtml(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new Html(out);
}

// ---- formatting ----------------------------------------------------------------------------------

/** "2026-01-05 10:00:00", Beijing time; '—' for none. */
export const shanghai = (t: string | Date | null | undefined): string =>
  t === null || t === undefined || t === '' ? '—' : shanghaiDateTime(typeof t === 'string' ? new Date(t) : t);
export const yuan = (fen: number | null | undefined): string =>
  fen === null || fen === undefined ? '—' : `¥${fenToYuan(Number(fen))}`;

interface Pair {
  zh: string;
  en: string;
}

const DISPUTE_STATES: Record<string, Pair> = {
  EVIDENCE: { zh: '举证中', en: 'Collecting evidence' },
  ARBITRATION: { zh: '仲裁中', en: 'In arbitration' },
  DECIDED: { zh: '已裁决（终局）', en: 'Decided (final)' },
};
const OUTCOMES: Record<string, Pair> = {
  BUYER: { zh: '支持买家', en: 'For the buyer' },
  MERCHANT: { zh: '支持商家', en: 'For the merchant' },
  SPLIT: { zh: '部分支持买家（逐件裁决）', en: 'Partly for the buyer (unit by unit)' },
};
const PARTIES: Record<string, Pair> = {
  BUYER: { zh: '买家', en: 'Buyer' },
  MERCHANT: { zh: '商家', en: 'Merchant' },
  SUPPORT: { zh: '平台客服', en: 'Support' },
  SYSTEM: { zh: '系统记录', en: 'System record' },
  STAFF: { zh: '平台', en: 'Platform' },
  CONVERSATION: { zh: '沟通记录附件', en: 'Conversation attachment' },
  buyer: { zh: '买家', en: 'Buyer' },
  merchant: { zh: '商家', en: 'Merchant' },
  support: { zh: '平台客服', en: 'Support' },
  arbitrator: { zh: '仲裁员', en: 'Arbitrator' },
  admin: { zh: '平台管理员', en: 'Admin' },
};
const UNIT_OUTCOMES: Record<string, Pair> = {
  REFUND: { zh: '退款', en: 'Refund' },
  NO_REFUND: { zh: '不退款', en: 'No refund' },
};

const CSS = `
*{box-sizing:border-box}
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC",system-ui,sans-serif;
 color:#111;margin:0 auto;max-width:960px;padding:24px;font-size:13px;line-height:1.5}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;border-bottom:2px solid #333;padding-bottom:2px;margin:24px 0 8px}
h3{font-size:14px;margin:14px 0 6px}
.en{color:#555;font-weight:normal}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
table.kv th{width:28%}
.text{white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid #999;padding:4px 8px;margin:4px 0;background:#fafafa}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;overflow-wrap:anywhere}
.note{color:#444;font-size:12px}
.warn{color:#8a4b00}
.decision{border:2px solid #333;padding:8px 12px;margin:8px 0}
header{border-bottom:3px double #333;padding-bottom:8px}
@page{size:A4;margin:14mm}
@media print{body{padding:0;max-width:none;font-size:11px}a{color:inherit;text-decoration:none}
 h2{break-after:avoid}tr,.text,.decision{break-inside:avoid}}
`;

// ---- the page ------------------------------------------------------------------------------------

export function renderSummary(m: CaseModel, lang: CaseLang): string {
  const zh = lang !== 'en';
  const en = lang !== 'zh-CN';
  /** A label: 中文 English, or one of them. */
  const L = (z: string, e: string): Html =>
    zh && en ? html`${z} <span class="en">${e}</span>` : html`${zh ? z : e}`;
  const P = (p: Pair | undefined, raw: string | null | undefined): Html =>
    p ? L(p.zh, p.en) : html`${raw ?? '—'}`;
  /** Paired text written by the platform (policy, findings, explanations): each language its own block. */
  const T = (z: string | null | undefined, e: string | null | undefined): Html =>
    html`${zh && z ? html`<div class="text">${z}</div>` : ''}${en && e ? html`<div class="text en">${e}</div>` : ''}`;
  /** Someone's own words, shown as written. */
  const said = (s: string | null | undefined): Html =>
    s ? html`<div class="text">${s}</div>` : html`<p class="note">—</p>`;
  const kv = (rows: [Html, Part][]): Html =>
    html`<table class="kv">
      ${rows.map(
        ([k, v]) =>
          html`<tr>
            <th>${k}</th>
            <td>${v ?? '—'}</td>
          </tr>`,
      )}
    </table>`;
  const table = (head: Html[], rows: Part[][]): Html =>
    rows.length === 0
      ? html`<p class="note">${L('无', 'None')}</p>`
      : html`<table>
          <thead>
            <tr>
              ${head.map((h) => html`<th>${h}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr>
                  ${r.map((c) => html`<td>${c ?? '—'}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>`;
  const fileLink = (f: { path: string | null; name: string | null }): Html =>
    f.path ? html`<a href="${f.path}">${f.name ?? f.path}</a>` : html`${f.name ?? '—'}`;
  const bool = (b: boolean) => (b ? L('是', 'yes') : L('否', 'no'));

  const r = m.request;
  const d = m.dispute;
  const fileBySha = new Map(m.files.map((f) => [f.sha256, f]));
  const number = d ? d.disputeNo : r.requestNo;
  const title = L('售后案件档案', 'After-sales case file');

  const header = html`<header>
    <h1>${title}</h1>
    ${kv([
      ...(d ? ([[L('仲裁案号', 'Dispute no'), d.disputeNo]] as [Html, Part][]) : []),
      [L('售后单号', 'Refund request no'), r.requestNo],
      [L('订单号', 'Order no'), r.orderNo],
      [L('商品', 'Goods'), r.productName],
      [L('生成时间', 'Generated at'), shanghai(m.generatedAt)],
      [
        L('生成人', 'Generated by'),
        html`${m.generatedBy.username} (${P(PARTIES[m.generatedBy.role], m.generatedBy.role)})`,
      ],
    ])}
    <p class="note">
      ${L(
        '时间均为北京时间（UTC+8）；金额单位为人民币元。各文件的 SHA-256 及其在审计链中的记录见 manifest.json。',
        'All times are Beijing time (Asia/Shanghai, UTC+8); amounts in yuan (¥). The SHA-256 of every file and the audit-chain events it ties to are in manifest.json.',
      )}
    </p>
  </header>`;

  const o = m.order;
  const order = html`<section id="order">
    <h2>1. ${L('订单', 'Order')}</h2>
    ${
      o
        ? kv([
            [L('订单号', 'Order no'), o.orderNo ?? r.orderNo],
            [L('商品', 'Goods'), o.productName ?? r.productName],
            [L('类型', 'Type'), o.productType],
            [L('面额', 'Face value'), yuan(o.faceValueFen)],
            [
              L('有效期', 'Validity'),
              o.validityDays === null || o.validityDays === undefined
                ? L('不限', 'none')
                : html`${o.validityDays} ${L('天', 'days')}`,
            ],
            [L('数量', 'Quantity'), o.quantity],
            [L('单价', 'Unit price'), yuan(o.unitPriceFen)],
            [L('金额', 'Total'), yuan(o.totalFen)],
            [L('会员等级', 'Member level'), o.buyerLevel],
            [L('支付方式', 'Payment method'), o.paymentMethod],
            [L('下单时间', 'Ordered at'), shanghai(o.createdAt)],
            [L('发货时间', 'Delivered at'), shanghai(o.deliveredAt)],
          ])
        : html`<p class="note">${L('无订单快照', 'No order snapshot on record')}</p>`
    }
  </section>`;

  const pol = m.policy;
  const policy = html`<section id="policy">
    <h2>2. ${L('退款规则（下单时确认的版本）', 'Refund policy (the version confirmed at checkout)')}</h2>
    ${
      pol
        ? html`${kv([
            [L('规则版本', 'Policy version'), pol.version],
            [L('买家确认时间', 'Confirmed by the buyer at'), shanghai(pol.confirmedAt)],
            [L('规则文本哈希', 'Policy text hash'), html`<span class="mono">${pol.textHash ?? '—'}</span>`],
          ])}${T(pol.textZh, pol.textEn)}`
        : html`<p class="note">${L('无退款规则记录', 'No policy on record')}</p>`
    }
  </section>`;

  const disputeUnit = new Map((d?.units ?? []).map((u) => [u.unitId, u]));
  const units = html`<section id="units">
    <h2>3. ${L('商品单元与卡密记录', 'Units and key timelines')}</h2>
    <p class="note">
      ${L(
        '卡号仅显示脱敏值；卡密从不出现在本档案中。',
        'Serials are masked; no key secret ever appears in this case file.',
      )}
    </p>
    ${r.unitIds.map((unitId, i) => {
      const t = m.units.find((u) => u.unitId === unitId);
      const du = disputeUnit.get(unitId);
      return html`<h3>
          ${L('单元', 'Unit')} ${i + 1} <span class="mono">${unitId}</span>${
            du
              ? html` —
                ${yuan(du.amountFen)}${du.outcome ? html` · ${L('裁决', 'decided')}: ${P(UNIT_OUTCOMES[du.outcome], du.outcome)}` : ''}`
              : ''
          }
        </h3>
        ${table(
          [
            L('卡号（脱敏）', 'Serial (masked)'),
            L('状态', 'State'),
            L('发货', 'Delivered'),
            L('首次拆封', 'First revealed'),
            L('激活', 'Activated'),
            L('发货前已激活', 'Activated before delivery'),
          ],
          (t?.keys ?? []).map((k) => [
            html`<span class="mono">${k.serialMasked}</span>`,
            P(KEY_STATES[k.state], k.state),
            shanghai(k.deliveredAt),
            shanghai(k.firstRevealedAt),
            k.activatedAt ? html`${shanghai(k.activatedAt)} (${k.activationSource ?? '—'})` : '—',
            bool(k.activatedBeforeDelivery),
          ]),
        )}
        ${table(
          [L('时间', 'Time'), L('事件', 'Event'), L('卡号（脱敏）', 'Serial (masked)'), L('操作方', 'By')],
          (t?.events ?? []).map((e) => [
            shanghai(e.at),
            e.kind,
            html`<span class="mono">${e.serialMasked ?? '—'}</span>`,
            e.by,
          ]),
        )}`;
    })}
  </section>`;

  const pay = m.payment;
  const money = html`<section id="money">
    <h2>4. ${L('支付与退款', 'Payments and payouts')}</h2>
    <h3>${L('支付', 'Payment')}</h3>
    ${
      pay
        ? kv([
            [L('支付方式', 'Method'), pay.method],
            [L('渠道', 'Provider'), pay.provider],
            [L('金额', 'Amount'), yuan(pay.amountFen)],
            [L('状态', 'State'), pay.state],
            [L('支付时间', 'Paid at'), shanghai(pay.paidAt)],
          ])
        : html`<p class="note">${L('无支付记录', 'No payment on record')}</p>`
    }
    <h3>${L('退款', 'Payouts')}</h3>
    ${table(
      [
        L('退款单号', 'Payout no'),
        L('渠道', 'Provider'),
        L('金额', 'Amount'),
        L('状态', 'State'),
        L('去向', 'Destination'),
        L('创建', 'Created'),
        L('预计到账', 'Expected arrival'),
        L('完成', 'Finished'),
      ],
      r.payouts.map((p) => [
        html`<span class="mono">${p.id}</span>`,
        p.provider,
        yuan(p.amountFen),
        p.state,
        p.destination,
        shanghai(p.createdAt),
        shanghai(p.expectedArrivalAt),
        shanghai(p.finishedAt),
      ]),
    )}
  </section>`;

  const elig = r.eligibility as { summary?: { zh?: string; en?: string } } | null;
  const dec = r.decision;
  const request = html`<section id="request">
    <h2>5. ${L('售后申请', 'Refund request')}</h2>
    ${kv([
      [L('售后单号', 'Request no'), r.requestNo],
      [L('原因', 'Reason'), L(r.reasonText.zh, r.reasonText.en)],
      [L('范围', 'Scope'), r.scope === 'FULL' ? L('整单', 'whole order') : L('部分', 'partial')],
      [L('件数', 'Units'), r.units],
      [L('申请金额', 'Amount claimed'), yuan(r.amountFen)],
      [L('状态', 'State'), P(REQUEST_STATES[r.state], r.state)],
      [L('审核方', 'Reviewer'), r.reviewer === 'MERCHANT' ? L('商家', 'merchant') : L('平台客服', 'support')],
      [L('提交次数', 'Submissions'), html`${r.submissions} / ${r.maxResubmissions + 1}`],
      [L('申请时间', 'Applied at'), shanghai(r.createdAt)],
      [L('审核期限', 'Review due'), shanghai(r.reviewDueAt)],
      [L('补充材料期限', 'Supplement due'), shanghai(r.supplementDueAt)],
      [L('升级期限', 'Escalation due'), shanghai(r.escalationDueAt)],
    ])}
    <h3>${L('买家说明', 'Buyer’s description')}</h3>
    ${said(r.description)}
    ${
      elig?.summary
        ? html`<h3>${L('预检结论', 'Pre-check')}</h3>
            ${T(elig.summary.zh, elig.summary.en)}`
        : ''
    }
    ${
      r.infoRequest
        ? html`<h3>${L('要求补充的材料', 'Material asked for')}</h3>
            ${said(r.infoRequest)}`
        : ''
    }
    <h3>${L('审核决定', 'Review decision')}</h3>
    ${
      dec
        ? html`${kv([
            [L('决定', 'Decision'), dec.text ? L(dec.text.zh, dec.text.en) : dec.code],
            [L('决定方', 'Decided by'), P(PARTIES[dec.role ?? ''], dec.role)],
            [L('时间', 'At'), shanghai(dec.at)],
          ])}${dec.note ? said(dec.note) : ''}${
            dec.warnings.length
              ? html`<p class="warn">
                    ${L('与记录矛盾的警示（审核人已确认）', 'Warnings the records raised (acknowledged by the reviewer)')}
                  </p>
                  <ul>
                    ${dec.warnings.map((w) => html`<li>${T(w.zh, w.en)}</li>`)}
                  </ul>`
              : ''
          }`
        : html`<p class="note">${L('尚无决定', 'No decision yet')}</p>`
    }
  </section>`;

  const evidence = html`<section id="evidence">
    <h2>6. ${L('证据', 'Evidence')}</h2>
    ${table(
      [
        L('提交', 'Submission'),
        L('来源', 'Source'),
        L('类型', 'Kind'),
        L('文件', 'File'),
        L('大小', 'Size'),
        html`SHA-256`,
        L('提示', 'Signals'),
      ],
      r.evidence.map((e) => {
        const f = e.sha256 ? fileBySha.get(e.sha256) : undefined;
        return [
          e.submission,
          P(PARTIES[e.source], e.source),
          e.kind,
          e.sha256
            ? html`${fileLink({ path: f?.path ?? null, name: e.fileName })}${f?.missing ? html` <span class="warn">(${L('文件缺失', 'file missing')})</span>` : ''}`
            : html`<a href="records/evidence.json">${L('系统记录', 'system record')}</a>`,
          e.size === null ? '—' : `${e.size} B`,
          html`<span class="mono">${e.sha256 ?? '—'}</span
            >${f?.derivation && f.fileSha256 ? html`<div class="note">${L('此处为去除位置与设备元数据后的副本，源自上述原件', 'This copy has location and device metadata removed; derived from the original above')}: <span class="mono">${f.fileSha256}</span></div>` : ''}`,
          e.signals.map(
            (s) =>
              html`<div>
                ${zh ? (s.messages['zh-CN'] ?? s.messages.zh ?? s.code) : ''}${zh && en ? ' ' : ''}${en ? html`<span class="en">${s.messages.en ?? s.code}</span>` : ''}
              </div>`,
          ),
        ];
      }),
    )}
  </section>`;

  const conversation = html`<section id="conversation">
    <h2>7. ${L('沟通记录', 'Conversation')}</h2>
    ${table(
      [L('时间', 'Time'), L('发送方', 'From'), L('内容', 'Message'), L('附件', 'Attachment')],
      m.conversation.map((c) => [
        shanghai(c.at),
        P(PARTIES[c.from], c.from),
        html`<div class="text">${c.text}</div>`,
        c.file ? fileLink(c.file) : '—',
      ]),
    )}
  </section>`;

  const history = html`<section id="history">
    <h2>8. ${L('处理记录（审计链）', 'History (audit chain)')}</h2>
    ${table(
      [L('序号', 'Seq'), L('时间', 'Time'), L('动作', 'Action'), L('操作方', 'By'), L('哈希', 'Hash')],
      m.trail.map((e) => [
        e.seq,
        shanghai(e.at),
        e.action,
        P(PARTIES[e.actorRole], e.actorRole),
        html`<span class="mono">${e.hash.slice(0, 16)}…</span>`,
      ]),
    )}
  </section>`;

  const dispute = d
    ? html`<section id="dispute">
        <h2>9. ${L('平台仲裁', 'Arbitration')}</h2>
        ${kv([
          [L('仲裁案号', 'Dispute no'), d.disputeNo],
          [L('发起方', 'Opened by'), P(PARTIES[d.openedBy], d.openedBy)],
          [L('状态', 'State'), P(DISPUTE_STATES[d.state], d.state)],
          [L('争议金额', 'Amount in dispute'), yuan(d.claimFen)],
          [L('受理时间', 'Opened at'), shanghai(d.createdAt)],
          [L('举证期限', 'Evidence due'), shanghai(d.evidenceDueAt)],
          [L('裁决期限', 'Decision due'), shanghai(d.decisionDueAt)],
          [L('买家逾期未举证', 'Buyer missed the evidence deadline'), bool(d.buyerMissedEvidence)],
          [L('商家逾期未举证', 'Merchant missed the evidence deadline'), bool(d.merchantMissedEvidence)],
        ])}
        <h3>${L('陈述', 'Statements')}</h3>
        ${
          d.statements.length === 0
            ? html`<p class="note">${L('尚无可见的陈述', 'No statement to show yet')}</p>`
            : d.statements.map(
                (s) =>
                  html`<h3>
                      ${P(PARTIES[s.party], s.party)} —
                      ${
                        s.state === 'SUBMITTED'
                          ? html`${L('已提交', 'submitted')} ${shanghai(s.submittedAt)}`
                          : html`${L('草稿（仅本方可见）', 'draft (seen only by its party)')}
                            ${shanghai(s.updatedAt)}`
                      }
                    </h3>
                    ${said(s.text)}
                    ${
                      s.files.length
                        ? html`<ul>
                            ${s.files.map((f) => html`<li>${fileLink({ path: fileBySha.get(f.sha256)?.path ?? null, name: f.name })} <span class="mono">${f.sha256}</span></li>`)}
                          </ul>`
                        : ''
                    }`,
              )
        }
        <h3>${L('记录得出的事实', 'Findings from the records')}</h3>
        ${
          d.findings.length
            ? html`<ul>
                ${d.findings.map((f) => html`<li>${T(f.zh, f.en)}</li>`)}
              </ul>`
            : html`<p class="note">
                ${L('裁决后向双方展示裁决所依据的事实', 'The findings the decision rested on are shown to the parties once decided')}
              </p>`
        }
        <h3>${L('裁决', 'Decision')}</h3>
        ${
          d.state === 'DECIDED'
            ? html`<div class="decision">
                ${kv([
                  [L('结果', 'Outcome'), P(OUTCOMES[d.outcome ?? ''], d.outcome)],
                  [L('退款金额', 'Refunded'), yuan(d.refundFen)],
                  [L('裁决时间', 'Decided at'), shanghai(d.decidedAt)],
                ])}
                <h3>${L('裁决理由', 'Rationale')}</h3>
                ${said(d.rationale)}
                <p class="note">${L('裁决为终局裁决。', 'The decision is final.')}</p>
              </div>`
            : html`<p class="note">${L('尚未裁决', 'Not decided yet')}</p>`
        }
      </section>`
    : '';

  const htmlLang = lang === 'en' ? 'en' : 'zh-CN';
  return `<!DOCTYPE html>
<html lang="${htmlLang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${render(number)} — ${render(zh ? '售后案件档案' : 'After-sales case file')}</title>
<style>${CSS}</style>
</head>
<body>
${render([header, order, policy, units, money, request, evidence, conversation, history, dispute])}
</body>
</html>
`;
}
