/** The configured speech-to-text engine (src/stt): PocketSphinx embedded, or an OpenAI-compatible server. */
import type { TranscriptionConfig } from '../../config/transcription-schema.js';
import type { SttEngine } from '../../stt/engine.js';
import { OpenAiServerEngine } from '../../stt/openai-server.js';
import { PocketSphinxEngine, pocketSphinxMissing } from '../../stt/pocketsphinx.js';


export function makeEngine(c: TranscriptionConfig): SttEngine {
  if (c.engine === 'server') {
    return new OpenAiServerEngine({ url: c.url ?? '', ...(c.model ? { model: c.model } : {}), ...(c.apiKey ? { apiKey: c.apiKey } : {}), language: c.language });
  }
  // The decoder runs below the call path's processes (FreeSWITCH, drachtio, the daemon): only on idle CPU.
  return new PocketSphinxEngine({ priority: 'idle', ...(c.model ? { modelDir: c.model } : {}) });
}

/** Why the configured engine cannot run here, if it cannot (a missing binary or model); servers are found out by trying. */
export function engineMissing(c: TranscriptionConfig): string | undefined {
  return c.engine === 'pocketsphinx' ? pocketSphinxMissing(c.model ? { modelDir: c.model } : {}) : undefined;
}

/** What a change of configuration changes about the engine. */
export const engineKey = (c: TranscriptionConfig): string => JSON.stringify([c.engine, c.url, c.model, c.apiKey, c.language]);
