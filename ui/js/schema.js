// What each kind of record looks like in a form, after the structs in core/src/model/*.rs.
//
// A field: { name, type, required?, wide?, enum?, optional?, source?, int?, step?, rows?, of?, list? }
//   type: text | textarea | date | datetime | number | select (enum) | ref (source: units | plans |
//         events | indicators) | checkbox | lines (one string per line → array) |
//         repeat (rows: [fields], an array of objects) | repeat-one (of: field, an array of scalars)
//   optional: a select enum that may stay empty ("— None —").
// `name` is the field path, dotted for nested objects (participants.members).

/** The nav names (data-nav) and the record kinds behind them. */
export const NAV_KINDS = {
  plans: 'plan',
  events: 'event',
  practices: 'practice',
  opinions: 'opinion',
  inspections: 'inspection',
  supervisions: 'supervision',
  cases: 'case',
};

export const KIND_NAV = Object.fromEntries(Object.entries(NAV_KINDS).map(([n, k]) => [k, n]));

/**
 * The form field the list's status filter and column stand for, so that both carry the form's label
 * ("Tình hình khắc phục" for an inspection, "Vai trò" for a supervision). Null: no single field (a
 * practice's recognition, an opinion's state are worked out from several).
 */
export const STATUS_FIELD = {
  plan: 'status',
  event: 'status',
  practice: null,
  opinion: null,
  inspection: 'remediation',
  supervision: 'role',
  case: 'status',
};

/** Status values the list filter offers per kind (what the store indexes as status). */
export const STATUS_ENUM = {
  plan: 'plan_status',
  event: 'event_status',
  practice: 'practice_status',
  opinion: 'opinion_status',
  inspection: 'remediation',
  supervision: 'role',
  case: 'case_status',
};

export const PLATFORMS = ['Facebook', 'TikTok', 'YouTube', 'Zalo', 'Instagram', 'Website'];

const int = (name, extra = {}) => ({ name, type: 'number', int: true, ...extra });

export const SCHEMAS = {
  plan: [
    { section: 'sec.general', fields: [
      { name: 'title', type: 'text', required: true, wide: true },
      { name: 'number', type: 'text' },
      { name: 'issued_on', type: 'date' },
      { name: 'signer', type: 'text' },
      { name: 'status', type: 'select', enum: 'plan_status' },
      { name: 'start_on', type: 'date', required: true },
      { name: 'end_on', type: 'date' },
      { name: 'forms', type: 'select', enum: 'mode', optional: true },
      { name: 'place', type: 'text' },
      { name: 'audience', type: 'text' },
      { name: 'parent_plan_id', type: 'ref', source: 'plans' },
    ] },
    { section: 'sec.content', fields: [
      { name: 'bases', type: 'lines', wide: true },
      { name: 'purpose', type: 'textarea', wide: true },
      { name: 'content', type: 'textarea', wide: true },
      { name: 'assignments', type: 'textarea', wide: true },
    ] },
    { section: 'sec.targets', fields: [
      { name: 'targets', type: 'repeat', wide: true, rows: [
        { name: 'indicator', type: 'ref', source: 'indicators', required: true },
        { name: 'value', type: 'number', step: 'any', required: true },
      ] },
    ] },
    { section: 'sec.reporting', fields: [
      { name: 'reporting.what', type: 'textarea', wide: true },
      { name: 'reporting.to', type: 'text' },
      { name: 'reporting.due_on', type: 'date' },
      { name: 'recipients', type: 'lines', wide: true },
    ] },
  ],

  event: [
    { section: 'sec.general', fields: [
      { name: 'title', type: 'text', required: true, wide: true },
      { name: 'event_type', type: 'select', enum: 'event_type' },
      { name: 'mode', type: 'select', enum: 'mode' },
      { name: 'status', type: 'select', enum: 'event_status' },
      { name: 'start_at', type: 'datetime', required: true },
      { name: 'end_at', type: 'datetime' },
      { name: 'place', type: 'text' },
      { name: 'plan_id', type: 'ref', source: 'plans' },
      { name: 'task', type: 'text' },
      { name: 'unit_id', type: 'ref', source: 'units' },
      { name: 'organisers', type: 'text' },
      { name: 'audience', type: 'text' },
      int('connection_points'),
    ] },
    { section: 'sec.participants', fields: [
      int('participants.members'),
      int('participants.non_members'),
      int('participants.others'),
      int('participants.male'),
      int('participants.female'),
      int('unique_members_reached'),
      int('opinions_collected'),
    ] },
    { section: 'sec.online', fields: [
      { name: 'online_posts', type: 'repeat', wide: true, rows: [
        { name: 'platform', type: 'text', required: true, list: 'platforms' },
        { name: 'link', type: 'text', wide: true },
        int('views'), int('reactions'), int('comments'), int('shares'),
        { name: 'measured_at', type: 'datetime' },
      ] },
    ] },
    { section: 'sec.evidence', fields: [
      { name: 'evidence', type: 'repeat', wide: true, rows: [
        { name: 'kind', type: 'select', enum: 'evidence_kind', required: true },
        { name: 'reference', type: 'text', required: true, wide: true },
      ] },
      { name: 'notes', type: 'textarea', wide: true },
    ] },
    // For the invitation and the attendance sheet (sotay print; docs/documents.md).
    { section: 'sec.attendees', fields: [
      { name: 'attendees', type: 'repeat', wide: true, rows: [
        { name: 'name', type: 'text', required: true },
        { name: 'position', type: 'text' },
        { name: 'unit', type: 'text' },
        { name: 'phone', type: 'text' },
        { name: 'note', type: 'text' },
      ] },
    ] },
  ],

  practice: [
    { section: 'sec.general', fields: [
      { name: 'name', type: 'text', required: true, wide: true },
      { name: 'field', type: 'text' },
      { name: 'started_on', type: 'date' },
      { name: 'contact', type: 'text' },
    ] },
    { section: 'sec.content', fields: [
      { name: 'problem', type: 'textarea', wide: true },
      { name: 'approach', type: 'textarea', wide: true },
      { name: 'results', type: 'textarea', wide: true },
    ] },
    { section: 'sec.recognition', fields: [
      { name: 'recognitions', type: 'repeat', wide: true, rows: [
        { name: 'level', type: 'select', enum: 'recognition_level', required: true },
        { name: 'form', type: 'select', enum: 'recognition_form', required: true },
        { name: 'decision_number', type: 'text' },
        { name: 'decided_on', type: 'date' },
      ] },
      { name: 'replications', type: 'repeat', wide: true, rows: [
        { name: 'unit_id', type: 'ref', source: 'units', required: true },
        { name: 'adopted_on', type: 'date' },
      ] },
      { name: 'evidence', type: 'lines', wide: true },
    ] },
  ],

  opinion: [
    { section: 'sec.general', fields: [
      { name: 'topic', type: 'text', required: true, wide: true },
      { name: 'given_on', type: 'date', required: true },
      { name: 'addressee', type: 'select', enum: 'addressee' },
      { name: 'draft_name', type: 'text' },
      { name: 'contributor', type: 'text' },
      { name: 'event_id', type: 'ref', source: 'events', wide: true },
      { name: 'content', type: 'textarea', required: true, wide: true },
    ] },
    { section: 'sec.response', fields: [
      { name: 'forwarded_to', type: 'text' },
      { name: 'forward_document', type: 'text' },
      { name: 'response.status', type: 'select', enum: 'response_status', optional: true },
      { name: 'response.on', type: 'date' },
      { name: 'response.text', type: 'textarea', wide: true },
    ] },
  ],

  inspection: [
    { section: 'sec.general', fields: [
      { name: 'content', type: 'text', required: true, wide: true },
      { name: 'held_on', type: 'date', required: true },
      { name: 'decision_number', type: 'text' },
      { name: 'team', type: 'text' },
      { name: 'period_from', type: 'date' },
      { name: 'period_to', type: 'date' },
      { name: 'inspected_unit_ids', type: 'repeat-one', wide: true, of: { type: 'ref', source: 'units', required: true } },
    ] },
    { section: 'sec.findings', fields: [
      { name: 'findings', type: 'repeat', wide: true, rows: [
        { name: 'item', type: 'text', required: true, wide: true },
        { name: 'met', type: 'checkbox' },
        { name: 'note', type: 'text', wide: true },
      ] },
    ] },
    { section: 'sec.followup', fields: [
      { name: 'recommendations', type: 'textarea', wide: true },
      { name: 'deadline', type: 'date' },
      { name: 'remediation', type: 'select', enum: 'remediation' },
      { name: 'closing_report_number', type: 'text' },
    ] },
  ],

  supervision: [
    { section: 'sec.general', fields: [
      { name: 'subject', type: 'text', required: true, wide: true },
      { name: 'kind', type: 'select', enum: 'supervision_kind' },
      { name: 'role', type: 'select', enum: 'role' },
      { name: 'period_from', type: 'date', required: true },
      { name: 'period_to', type: 'date' },
      { name: 'partners', type: 'text', wide: true },
    ] },
    { section: 'sec.results', fields: [
      { name: 'findings', type: 'textarea', wide: true },
      { name: 'recommendations', type: 'textarea', wide: true },
      int('recommendations_count'),
      int('recommendations_resolved'),
      { name: 'follow_up', type: 'textarea', wide: true },
    ] },
  ],

  case: [
    { section: 'sec.general', fields: [
      { name: 'summary', type: 'textarea', required: true, wide: true },
      { name: 'platform', type: 'text', required: true, list: 'platforms' },
      { name: 'detected_at', type: 'datetime', required: true },
      { name: 'detected_by', type: 'text' },
      { name: 'category', type: 'text' },
      { name: 'link', type: 'text', wide: true },
      int('reach_at_detection'),
      { name: 'status', type: 'select', enum: 'case_status' },
      // screenshot_sha256 stays in the record (it syncs) but not on the form: no officer can work out a
      // SHA-256 by hand; it comes back when screenshots can be attached (and hashed by the app).
      { name: 'sensitive', type: 'checkbox' },
    ] },
    { section: 'sec.actions', fields: [
      { name: 'actions', type: 'repeat', wide: true, rows: [
        { name: 'kind', type: 'select', enum: 'action_kind', required: true },
        { name: 'on', type: 'date', required: true },
        { name: 'link', type: 'text' },
        { name: 'note', type: 'text', wide: true },
      ] },
      { name: 'outcome', type: 'textarea', wide: true },
    ] },
  ],
};

/** Every top-level field of a kind, sections flattened. */
export function fieldsOf(kind) {
  return (SCHEMAS[kind] || []).flatMap((s) => s.fields);
}

/** Defaults for a new record of a kind (dates and times of today where the struct needs one). */
export function newRecordDefaults(kind, today, now) {
  switch (kind) {
    case 'plan': return { start_on: today, status: 'draft' };
    case 'event': return { start_at: now, event_type: 'propaganda_session', mode: 'in_person', status: 'done' };
    case 'opinion': return { given_on: today, addressee: 'party_committee' };
    case 'inspection': return { held_on: today, remediation: 'pending' };
    case 'supervision': return { period_from: today, kind: 'supervision', role: 'lead' };
    case 'case': return { detected_at: now, status: 'open', sensitive: false };
    default: return {};
  }
}
