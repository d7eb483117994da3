/** Agents' desk settings (notifications), kept by the server so they follow the agent to any desk. */
import type { Db } from './db.js';

export class AgentSettingsStore<T extends object> {
  constructor(
    private readonly db: Db,
    private readonly defaults: T,
  ) {}

  async get(agentId: string): Promise<T> {
    const row = await this.db.selectFrom('agent_settings').select('settings').where('agent_id', '=', agentId).executeTakeFirst();
    if (!row) return structuredClone(this.defaults);
    const saved = JSON.parse(row.settings) as Partial<T>;
    // Settings added since they were saved get their defaults.
    const out = structuredClone(this.defaults) as Record<string, unknown>;
    for (const [k, v] of Object.entries(saved)) out[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...(out[k] as object), ...v } : v;
    return out as T;
  }

  async put(agentId: string, settings: T, now = Date.now()): Promise<void> {
    const json = JSON.stringify(settings);
    await this.db
      .insertInto('agent_settings')
      .values({ agent_id: agentId, settings: json, updated_at: now })
      .onConflict((oc) => oc.column('agent_id').doUpdateSet({ settings: json, updated_at: now }))
      .execute();
  }
}
