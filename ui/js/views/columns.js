// The main columns of each list, per kind. Each cell is text (rendered with textContent).

import { enumLabel, t } from '../i18n.js';
import { fmtDate, fmtLocal, fmtNumber, fmtRange } from '../format.js';

const num = (v) => fmtNumber(v || 0);
const part = (r, k) => (r.participants && Number(r.participants[k])) || 0;

const LEVEL_ORDER = ['grassroots', 'district', 'province', 'central'];

function topRecognition(r) {
  const levels = (r.recognitions || []).map((x) => LEVEL_ORDER.indexOf(x.level)).filter((i) => i >= 0);
  if (!levels.length) return '—';
  return enumLabel('recognition_level', LEVEL_ORDER[Math.max(...levels)]);
}

function opinionStatus(r) {
  if (r.response && r.response.status) return r.response.status;
  return r.forwarded_to ? 'forwarded' : 'collected';
}

function shorten(s, n = 120) {
  const v = String(s || '');
  return v.length > n ? `${v.slice(0, n - 1)}…` : v;
}

/** [{ label, cls?, get(row, ctx) → string }] per kind; ctx.unitName(id) names a unit. */
export const COLUMNS = {
  event: [
    { label: 'col.time', cls: 'nowrap', get: (r) => fmtLocal(r.start_at) },
    { label: 'col.title', cls: 'title', get: (r) => r.title },
    { label: 'col.unit', cls: 'unit', get: (r, c) => c.unitName(r.owner_unit) },
    { label: 'col.type', get: (r) => enumLabel('event_type', r.event_type || 'propaganda_session') },
    { label: 'col.mode', get: (r) => enumLabel('mode', r.mode || 'in_person') },
    { label: 'col.members', cls: 'num', get: (r) => num(part(r, 'members')) },
    { label: 'col.total', cls: 'num', get: (r) => num(part(r, 'members') + part(r, 'non_members') + part(r, 'others')) },
    { label: 'col.place', get: (r) => r.place || '' },
  ],
  plan: [
    { label: 'col.number', cls: 'nowrap', get: (r) => r.number || '' },
    { label: 'col.title', cls: 'title', get: (r) => r.title },
    { label: 'col.period', cls: 'nowrap', get: (r) => fmtRange(r.start_on, r.end_on) },
    { label: 'col.status', field: 'status', get: (r) => enumLabel('plan_status', r.status || 'draft') },
  ],
  practice: [
    { label: 'col.date', cls: 'nowrap', get: (r) => fmtDate(r.started_on) },
    { label: 'col.title', cls: 'title', get: (r) => r.name },
    { label: 'col.field', get: (r) => r.field || '' },
    { label: 'col.recognition', get: topRecognition },
    { label: 'col.replications', cls: 'num', get: (r) => num((r.replications || []).length) },
  ],
  opinion: [
    { label: 'col.date', cls: 'nowrap', get: (r) => fmtDate(r.given_on) },
    { label: 'col.topic', cls: 'title', get: (r) => r.topic },
    { label: 'col.addressee', get: (r) => enumLabel('addressee', r.addressee || 'party_committee') },
    { label: 'col.contributor', get: (r) => r.contributor || t('col.anonymous') },
    { label: 'col.status', get: (r) => enumLabel('opinion_status', opinionStatus(r)) },
  ],
  inspection: [
    { label: 'col.date', cls: 'nowrap', get: (r) => fmtDate(r.held_on) },
    { label: 'col.content', cls: 'title', get: (r) => r.content },
    { label: 'col.decision', cls: 'nowrap', get: (r) => r.decision_number || '' },
    { label: 'col.status', field: 'remediation', get: (r) => enumLabel('remediation', r.remediation || 'pending') },
    { label: 'col.deadline', cls: 'nowrap', get: (r) => fmtDate(r.deadline) },
  ],
  supervision: [
    { label: 'col.period', cls: 'nowrap', get: (r) => fmtRange(r.period_from, r.period_to) },
    { label: 'col.subject', cls: 'title', get: (r) => r.subject },
    { label: 'col.kind', get: (r) => enumLabel('supervision_kind', r.kind || 'supervision') },
    { label: 'col.role', field: 'role', get: (r) => enumLabel('role', r.role || 'lead') },
    { label: 'col.recommendations', cls: 'num', get: (r) => `${num(r.recommendations_resolved)}/${num(r.recommendations_count)}` },
  ],
  case: [
    { label: 'col.time', cls: 'nowrap', get: (r) => fmtLocal(r.detected_at) },
    { label: 'col.summary', cls: 'title', get: (r) => shorten(r.summary) },
    { label: 'col.platform', get: (r) => r.platform || '' },
    { label: 'col.category', get: (r) => r.category || '' },
    { label: 'col.status', field: 'status', get: (r) => enumLabel('case_status', r.status || 'open') },
    { label: 'col.sensitive', get: (r) => (r.sensitive ? t('form.yes') : '') },
  ],
};

/** The headline of a record in any kind (for form titles). */
export function recordTitle(kind, r) {
  if (!r) return '';
  switch (kind) {
    case 'practice': return r.name || '';
    case 'opinion': return r.topic || '';
    case 'inspection': return r.content || '';
    case 'supervision': return r.subject || '';
    case 'case': return shorten(r.summary, 80);
    default: return r.title || '';
  }
}
