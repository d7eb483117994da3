/** Row types of the database, as kysely sees them. Times are epoch milliseconds. */
import type { Generated } from 'kysely';

export interface CallTable {
  id: string;
  node_id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  did: string | null;
  caller_number: string | null;
  caller_name: string | null;
  queue_id: string | null;
  agent_id: string | null;
  arrived_at: number;
  answered_at: number | null;
  queued_at: number | null;
  offered_at: number | null;
  agent_answered_at: number | null;
  ended_at: number | null;
  wait_ms: number | null;
  talk_ms: number | null;
  /** answered | abandoned | failed | rejected */
  disposition: string | null;
  hangup_cause: string | null;
  /** caller | agent | system */
  hangup_side: string | null;
  caller_rtp_in: number | null;
  caller_rtp_out: number | null;
  agent_rtp_in: number | null;
  agent_rtp_out: number | null;
  /** FreeSWITCH channel of each leg, to find the call again after a restart. */
  caller_uuid: string | null;
  agent_uuid: string | null;
  /** Each phone's dialog identity as JSON (src/sip/dialog-identity.ts), for the same reason. */
  caller_sip: string | null;
  agent_sip: string | null;
  /** Times the call was put on hold, and the held time summed. */
  holds: number | null;
  hold_ms: number | null;
  /** The message an agent dropped, when, and when its playback finished. */
  voicemail_drop: string | null;
  voicemail_dropped_at: number | null;
  voicemail_finished_at: number | null;
}

/** The recordings' index: one row per file (a call has one per agent segment, or per restart). */
export interface RecordingTable {
  id: string;
  call_id: string;
  segment: number;
  agent_id: string | null;
  queue_id: string | null;
  /** The file's name inside the recordings directory. */
  file: string;
  started_at: number;
  ended_at: number | null;
  /** recording | paused | done | failed | deleted */
  status: string;
  error: string | null;
  expires_at: number | null;
  deleted_at: number | null;
}

/** An agent's desk settings (notifications), as JSON. */
export interface AgentSettingsTable {
  agent_id: string;
  settings: string;
  updated_at: number;
}

export interface CallEventTable {
  id: Generated<number>;
  call_id: string;
  at: number;
  type: string;
  data: string | null;
}

export interface RegistrationTable {
  aor: string;
  contact: string;
  agent_id: string | null;
  expires_at: number;
  source: string;
  transport: string;
  user_agent: string | null;
  registered_at: number;
}

export interface RouterStateTable {
  id: string;
  snapshot: string;
  saved_at: number;
}

export interface ContactTable {
  number: string;
  name: string;
  company: string | null;
  /** JSON object of string values: what the imports and the agents say about the contact. */
  properties: string | null;
  updated_at: number;
}

export interface SessionTable {
  token_hash: string;
  agent_id: string;
  /** A hash of the credentials the session was opened with: a changed password ends it. */
  credential_tag: string;
  created_at: number;
  expires_at: number;
  source: string | null;
  revoked_at: number | null;
}

/** An agent's work on a call they handled: what they picked and wrote after (or during) it. */
export interface CallWorkTable {
  call_id: string;
  agent_id: string;
  queue_id: string | null;
  disposition: string | null;
  notes: string | null;
  /** JSON array of strings. */
  tags: string | null;
  /** 1: the queue requires a disposition and the agent's wrap-up waits for it. */
  required: number;
  /** How long the agent's wrap-up after the call lasted. */
  wrap_up_ms: number | null;
  /** The call script's run as JSON: { script, run } (src/core/script). */
  script: string | null;
  updated_at: number;
}

/** Milliseconds an agent spent in a status on a local day (reports.timeZone), added to as each status ends. */
export interface AgentStatusDayTable {
  agent_id: string;
  /** YYYY-MM-DD */
  day: string;
  status: string;
  ms: number;
}

/** Every agent status change (presence and activity), for the agent activity report. */
export interface AgentStateTable {
  id: Generated<number>;
  agent_id: string;
  at: number;
  status: string;
  presence: string;
  reason: string | null;
}

export interface ContactListTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ListContactTable {
  id: string;
  list_id: string;
  row: number;
  number: string;
  name: string | null;
  /** JSON array of IANA zones. */
  zones: string;
  /** JSON object. */
  properties: string | null;
}

export interface DncListTable {
  id: string;
  name: string;
  created_at: number;
}

export interface DncNumberTable {
  list_id: string;
  number: string;
  added_at: number;
  source: string;
}

export interface CampaignTable {
  id: string;
  name: string;
  settings: string;
  status: string;
  instance: number;
  created_at: number;
  updated_at: number;
}

export interface CampaignContactTable {
  campaign_id: string;
  contact_id: string;
  instance: number;
  attempts: number;
  next_at: number;
  state: string;
  last: string | null;
  updated_at: number;
}

export interface CampaignAttemptTable {
  id: Generated<number>;
  campaign_id: string;
  instance: number;
  contact_id: string;
  call_id: string | null;
  number: string;
  outcome: string;
  at: number;
}

/** Background work that outlives the process (src/core/jobs/queue.ts): a recording or message to transcribe, a message to e-mail. */
export interface JobTable {
  id: string;
  kind: string;
  /** pending | running | done | failed (given up) */
  status: string;
  attempts: number;
  due_at: number;
  created_at: number;
  finished_at: number | null;
  last_error: string | null;
  /** JSON: what the job works on. */
  payload: string;
}

/** A transcript: speaker turns (JSON [{speaker, start, end, text}]) and lower-case words for the search. */
export interface TranscriptTable {
  id: string;
  call_id: string;
  /** recording | live | voicemail */
  source: string;
  recording_id: string | null;
  engine: string;
  language: string | null;
  turns: string;
  text: string;
  audio_ms: number | null;
  created_at: number;
}

/** A message left in a voicemail box. */
export interface VoicemailMessageTable {
  id: string;
  box_id: string;
  call_id: string;
  caller_number: string | null;
  caller_name: string | null;
  received_at: number;
  duration_ms: number;
  /** The file's name inside the recordings directory. */
  file: string;
  /** new | heard */
  status: string;
  heard_at: number | null;
  heard_by: string | null;
  /** pending | done | failed | off */
  transcript_status: string;
  /** pending | sent | failed | off */
  email_status: string;
  email_error: string | null;
  emailed_at: number | null;
}

export interface Database {
  jobs: JobTable;
  transcripts: TranscriptTable;
  voicemail_messages: VoicemailMessageTable;
  contact_lists: ContactListTable;
  list_contacts: ListContactTable;
  dnc_lists: DncListTable;
  dnc_numbers: DncNumberTable;
  campaigns: CampaignTable;
  campaign_contacts: CampaignContactTable;
  campaign_attempts: CampaignAttemptTable;
  call_work: CallWorkTable;
  agent_states: AgentStateTable;
  agent_status_days: AgentStatusDayTable;
  recordings: RecordingTable;
  agent_settings: AgentSettingsTable;
  sessions: SessionTable;
  contacts: ContactTable;
  router_state: RouterStateTable;
  calls: CallTable;
  call_events: CallEventTable;
  registrations: RegistrationTable;
}
